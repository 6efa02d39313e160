# SPDX-License-Identifier: Apache-2.0
"""HTTP_GET ``regex``: keepalived's reading of the keywords, PCRE2 options as ``re`` flags or a
refusal, and the verdict (offsets, ``regex_no_match``) as check_http.c decides it."""

from __future__ import annotations

import asyncio
import re
from pathlib import Path

import pytest

from pyipvs.check import BodyRegex, HttpProbe, HttpUrl, Target, regex_matched
from pyipvs.check.verdicts import http_verdict
from pyipvs.config import read_config
from pyipvs.config.pcre import RegexRefused, compile_regex
from pyipvs.config.sections.url_regex import split_quoted_escaped
from pyipvs.daemon.check.from_config import services_from_config

RESPONSE = b"HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nstatus: READY\nload 7\n"


def conf(url_lines: str) -> str:
    return f"""virtual_server 10.0.0.5 80 {{
    protocol TCP
    lb_algo rr
    lb_kind NAT
    real_server 192.168.1.1 80 {{
        HTTP_GET {{
            url {{
                path /health
{url_lines}
            }}
        }}
    }}
}}
"""


def read(tmp_path: Path, url_lines: str) -> tuple[list[str], BodyRegex | None, str | None]:
    path = tmp_path / "keepalived.conf"
    path.write_text(conf(url_lines))
    result = read_config(str(path))
    # numbered from the url's first line (the url block opens on line 7)
    messages = [f"{d.line - 7}: {d.message}" for d in result.diagnostics]
    spec = services_from_config(result.config)[0]
    probe = spec.members[0].checks[0].probe
    url = probe.urls[0]  # type: ignore[attr-defined]
    return messages, url.regex, url.refused


@pytest.mark.parametrize(
    ("line", "words"),
    [
        (r'regex "\\d+ ok"', ["regex", r"\d+ ok"]),
        (r"regex \\d+", ["regex", r"\d+"]),
        (r"regex \d+", ["regex", "d+"]),  # keepalived keeps the character of an unknown escape
        (r"regex a\tb\x41\101", ["regex", "a\tbAA"]),
        ("regex 'it''s'", ["regex", "its"]),
        ('regex "open', None),
    ],
)
def test_regex_line_split_as_keepalived(line: str, words: list[str] | None) -> None:
    assert split_quoted_escaped(line) == words


def test_regex_settings_reach_the_probe(tmp_path: Path) -> None:
    messages, regex, refused = read(
        tmp_path,
        '                regex "^status: \\\\w+$"\n'
        "                regex_options multiline caseless\n"
        "                regex_no_match\n"
        "                regex_min_offset 10\n"
        "                regex_max_offset 90\n"
        "                regex_stack 1024 65536\n",
    )
    assert messages == []
    assert refused is None and regex is not None
    assert regex.compiled.pattern == rb"^status: \w+$"
    assert regex.compiled.flags & (2 | 8) == 2 | 8  # re.I | re.M
    assert (regex.no_match, regex.min_offset, regex.max_offset) == (True, 10, 90)


def test_regex_settings_without_regex_are_dropped(tmp_path: Path) -> None:
    messages, regex, _ = read(tmp_path, "                regex_no_match\n")
    assert messages == ["0: regex parameters specified without regex"]
    assert regex is None


def test_min_offset_past_max_drops_both(tmp_path: Path) -> None:
    messages, regex, _ = read(tmp_path, "regex ok\nregex_min_offset 20\nregex_max_offset 10\n")
    assert messages == ["0: regex min offset 20 > regex_max_offset 10 - ignoring"]
    assert regex is not None and (regex.min_offset, regex.max_offset) == (0, None)


@pytest.mark.parametrize(
    ("lines", "why"),
    [
        ("regex ok\nregex_options ungreedy\n", "regex_options ungreedy"),
        ('regex "a\\\\Z"\n', r"\Z"),
        ('regex "[[:digit:]]"\n', "POSIX class"),
        ('regex "(?<n>x)"\n', "not supported"),
        ('regex "\\\\Kx"\n', "not supported"),
    ],
)
def test_what_re_cannot_say_is_refused_with_its_line(tmp_path: Path, lines: str, why: str) -> None:
    messages, regex, refused = read(tmp_path, lines)
    line = 3 if "ungreedy" in why else 2  # the regex_options line, else the regex line
    assert len(messages) == 1 and messages[0].startswith(f"{line}: ") and why in messages[0]
    assert messages[0].endswith("- the url will always fail")
    assert regex is None and refused is not None and why in refused


def test_refused_url_fails_without_a_request() -> None:
    probe = HttpProbe(Target("192.0.2.1", 9), (HttpUrl("/", refused="regex refused: x"),))
    result = asyncio.run(probe.run())
    assert not result.ok and result.reason == "regex refused: x"


def test_neutral_options_compile_and_unknown_ones_warn(tmp_path: Path) -> None:
    assert compile_regex("a.b", ("no_start_optimize", "dotall")).match(b"a\nb")
    messages, regex, _ = read(tmp_path, "regex ok\nregex_options frobnicate\n")
    assert messages == ["3: unknown regex option 'frobnicate' - ignoring"]
    assert regex is not None


def test_bad_pattern_is_refused() -> None:
    with pytest.raises(RegexRefused, match="not supported"):
        compile_regex("(unclosed")


@pytest.mark.parametrize(
    ("pattern", "low", "high", "found"),
    [
        (rb"READY", 0, None, True),
        (rb"Content-Type", 0, None, True),  # the headers are searched too
        (rb"READY", 0, 53, True),  # starts at offset 53: max is inclusive
        (rb"READY", 0, 52, False),
        (rb"READY", 53, None, True),
        (rb"READY", 54, None, False),
        (rb"(?<=: )READY", 53, None, True),  # look-behind sees before the min offset
        (rb"^load", 0, None, False),  # ^ is the subject's start only
        (rb"missing", 0, None, False),
    ],
)
def test_match_window(pattern: bytes, low: int, high: int | None, found: bool) -> None:
    assert RESPONSE.index(b"READY") == 53
    assert regex_matched(re.compile(pattern), RESPONSE, low, high) is found


def test_verdict_order_and_no_match() -> None:
    assert http_verdict(200, "d", regex_found=True).reason == "Regex match"
    assert not http_verdict(200, "d", regex_found=False).ok
    assert http_verdict(200, "d", regex_found=False, regex_no_match=True).ok
    assert not http_verdict(200, "d", regex_found=True, regex_no_match=True).ok
    # the status is judged first, then the digest, then the regex (http_handle_response)
    assert http_verdict(500, "d", regex_found=True).reason == "HTTP status code 500"
    assert not http_verdict(200, "d", expected_digest="e", regex_found=True).ok
