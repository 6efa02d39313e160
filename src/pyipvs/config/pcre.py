# SPDX-License-Identifier: Apache-2.0
"""keepalived's PCRE2 ``regex`` and ``regex_options`` as a Python ``re`` pattern, or a refusal.

Only what ``re`` means the same way is accepted; :func:`compile_regex` raises
:class:`RegexRefused` for a PCRE2 option or construct that ``re`` lacks or reads differently,
so pyipvs never guesses a verdict. The subject is bytes, so classes are ASCII as in PCRE2
without ``utf``/``ucp``. docs/guide/checkers.rst lists what is refused.
"""

from __future__ import annotations

import re

_FLAGS = {
    "caseless": re.IGNORECASE,
    "multiline": re.MULTILINE,
    "dotall": re.DOTALL,
    "extended": re.VERBOSE,
}
# Options that change only speed, or forbid what re has not got anyway: no effect on a verdict.
_NEUTRAL = frozenset(
    [
        "never_ucp",
        "never_utf",
        "no_auto_possess",
        "no_dotstar_anchor",
        "no_start_optimize",
        "never_backslash_c",
    ]
)
# The rest of keepalived's list (check_http.c regex_options[]): re has no equivalent.
UNSUPPORTED_OPTIONS = frozenset(
    [
        "allow_empty_class",
        "alt_bsux",
        "auto_callout",
        "dollar_endonly",
        "dupnames",
        "firstline",
        "match_unset_backref",
        "no_auto_capture",
        "ucp",
        "ungreedy",
        "utf",
        "alt_circumflex",
        "alt_verbnames",
        "use_offset_limit",
    ]
)
KNOWN_OPTIONS = frozenset(_FLAGS) | _NEUTRAL | UNSUPPORTED_OPTIONS

_ESCAPED = r"(?<!\\)(?:\\\\)*\\"  # an escape that is not itself escaped
# Constructs re accepts but reads unlike PCRE2: \Z (PCRE2: also before a final newline),
# \v (PCRE2: any vertical space), POSIX classes, {,n} (PCRE2 10.4x: literal characters).
_DIVERGENT = (
    (re.compile(_ESCAPED + "Z"), r"\Z"),
    (re.compile(_ESCAPED + "v"), r"\v"),
    (re.compile(r"\[:\^?[a-z]+:\]"), "a POSIX class [:name:]"),
    (re.compile(r"(?<!\\)(?:\\\\)*\{,\d"), "{,n}"),
)


class RegexRefused(ValueError):
    """The pattern or an option has no faithful ``re`` form; the message says which."""


def compile_regex(pattern: str, options: tuple[str, ...] = ()) -> re.Pattern[bytes]:
    flags = 0
    for option in options:
        if option in UNSUPPORTED_OPTIONS:
            raise RegexRefused(f"regex_options {option} has no equivalent in pyipvs")
        flags |= _FLAGS.get(option, 0)
    for finder, what in _DIVERGENT:
        if finder.search(pattern):
            raise RegexRefused(f"regex '{pattern}': {what} is not read as PCRE2 reads it")
    try:
        # latin-1: one byte per character, the bytes keepalived hands to PCRE2
        return re.compile(pattern.encode("latin-1"), flags)
    except (re.error, UnicodeEncodeError) as exc:
        raise RegexRefused(f"regex '{pattern}' is not supported by pyipvs: {exc}") from None
