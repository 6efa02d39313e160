# SPDX-License-Identifier: Apache-2.0
"""Pure verdicts of every checker, and keepalived's page digest on raw responses."""

from __future__ import annotations

import hashlib

import pytest

from pyipvs.check import BodyDigest, page_digest, request_bytes
from pyipvs.check.connect import Target
from pyipvs.check.http import host_header
from pyipvs.check.misc import argv_for, needs_shell
from pyipvs.check.ping import echo_request, is_echo_reply
from pyipvs.check.tcp import tcp_verdict
from pyipvs.check.verdicts import (
    dns_verdict,
    file_verdict,
    http_verdict,
    misc_verdict,
    smtp_reply_code,
    smtp_verdict,
    udp_verdict,
)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


@pytest.mark.parametrize(
    ("status", "ranges", "ok"),
    [
        (200, (), True),
        (299, (), True),
        (301, (), False),
        (404, (), False),
        (404, ((404, 404),), True),
        (302, ((200, 200), (300, 399)), True),
        (250, ((200, 200), (300, 399)), False),
    ],
)
def test_http_status_ranges(status: int, ranges: tuple[tuple[int, int], ...], ok: bool) -> None:
    assert http_verdict(status, None, status_ranges=ranges).ok is ok


def test_http_digest_compared_case_insensitively() -> None:
    digest = md5(b"x")
    assert http_verdict(200, digest, expected_digest=digest.upper()).ok
    result = http_verdict(200, md5(b"y"), expected_digest=digest)
    assert not result.ok and "digest" in result.reason
    assert not http_verdict(500, digest, expected_digest=digest).ok


def test_digest_is_of_the_body_after_the_first_blank_line() -> None:
    raw = b"HTTP/1.0 200 OK\r\nServer: x\r\n\r\nhello\r\n\r\nworld"
    assert page_digest(raw) == md5(b"hello\r\n\r\nworld")


def test_digest_stops_at_content_length_and_is_case_sensitive_about_it() -> None:
    assert page_digest(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabcdef") == md5(b"abc")
    # keepalived looks for "Content-Length:" exactly; another spelling hashes everything
    assert page_digest(b"HTTP/1.1 200 OK\r\ncontent-length: 3\r\n\r\nabcdef") == md5(b"abcdef")


def test_digest_hashes_chunk_framing_as_received() -> None:
    raw = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    assert page_digest(raw) == md5(b"5\r\nhello\r\n0\r\n\r\n")


def test_digest_fed_byte_by_byte_equals_fed_at_once() -> None:
    raw = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n0123456789trailing"
    digest = BodyDigest()
    for i in range(len(raw)):
        digest.feed(raw[i : i + 1])
    assert digest.hexdigest() == page_digest(raw) == md5(b"0123456789")
    assert digest.complete and digest.body_bytes == 10


def test_digest_of_a_response_without_body_is_md5_of_nothing() -> None:
    assert page_digest(b"HTTP/1.1 204 No Content\r\n\r\n") == md5(b"")
    assert page_digest(b"HTTP/1.1 200 OK\r\n") == md5(b"")  # headers never ended


def test_request_is_keepalived_template() -> None:
    assert request_bytes("/a", "10.0.0.1:80") == (
        b"GET /a HTTP/1.0\r\nUser-Agent: KeepAliveClient\r\nHost: 10.0.0.1:80\r\n\r\n"
    )
    assert request_bytes("/", "h", "1.1") == (
        b"GET / HTTP/1.1\r\nUser-Agent: KeepAliveClient\r\nConnection: close\r\nHost: h\r\n\r\n"
    )
    assert b"HTTP/1.0\r\n" in request_bytes("/", "h", "1.0C")
    assert b"Connection: close" in request_bytes("/", "h", "1.0C")


def test_host_header() -> None:
    assert host_header(Target("10.0.0.1", 8080), None) == "10.0.0.1:8080"
    assert host_header(Target("fd00::1", 80), None) == "[fd00::1]:80"
    assert host_header(Target("10.0.0.1", 80), "www.example") == "www.example"


def test_tcp_verdict() -> None:
    assert tcp_verdict(None).ok
    assert tcp_verdict(ConnectionRefusedError()).reason == "connection refused"
    assert tcp_verdict(TimeoutError()).reason == "timeout"


@pytest.mark.parametrize(
    ("lines", "code"),
    [
        ([b"220 mail ready"], 220),
        ([b"250-mail", b"250-PIPELINING", b"250 OK"], 250),
        ([b"250"], 250),
        ([b"25"], None),
        ([b"abc def"], None),
        ([b"250-continues"], None),
        ([], None),
    ],
)
def test_smtp_reply_code(lines: list[bytes], code: int | None) -> None:
    assert smtp_reply_code(lines) == code


def test_smtp_verdict() -> None:
    assert smtp_verdict(220, 250).ok
    assert not smtp_verdict(554, None).ok
    assert not smtp_verdict(220, 501).ok


def test_dns_verdict() -> None:
    assert dns_verdict(True, 0).ok
    assert not dns_verdict(True, 2).ok  # SERVFAIL
    assert not dns_verdict(True, 3).ok  # NXDOMAIN: keepalived wants NOERROR
    assert not dns_verdict(False, 0).ok


@pytest.mark.parametrize(
    ("status", "dynamic", "timed_out", "ok", "weight"),
    [
        (0, False, False, True, None),
        (1, False, False, False, None),
        (2, False, False, False, None),
        (0, True, False, True, None),
        (1, True, False, False, None),
        (2, True, False, True, 0),
        (7, True, False, True, 5),
        (255, True, False, True, 253),
        (None, False, True, False, None),
        (-9, True, False, False, None),
    ],
)
def test_misc_verdict(
    status: int | None, dynamic: bool, timed_out: bool, ok: bool, weight: int | None
) -> None:
    result = misc_verdict(status, dynamic=dynamic, timed_out=timed_out)
    assert (result.ok, result.weight) == (ok, weight)


def test_misc_uses_a_shell_only_when_needed() -> None:
    assert argv_for("/usr/bin/check --port 80") == ["/usr/bin/check", "--port", "80"]
    assert not needs_shell("/bin/true")
    assert argv_for("test -f /x && exit 1") == ["/bin/sh", "-c", "test -f /x && exit 1"]
    assert needs_shell("echo $HOME") and needs_shell("a | b") and needs_shell("a > /dev/null")


def test_udp_verdict() -> None:
    assert udp_verdict(None, unreachable=False, require_reply=False).ok
    assert not udp_verdict(None, unreachable=True, require_reply=False).ok
    assert not udp_verdict(None, unreachable=False, require_reply=True).ok
    assert udp_verdict(b"pong!", unreachable=False, require_reply=True, expected=b"pong").ok
    assert not udp_verdict(b"nope", unreachable=False, require_reply=True, expected=b"pong").ok
    assert not udp_verdict(b"ab", unreachable=False, require_reply=True, min_length=3).ok
    assert not udp_verdict(b"abcd", unreachable=False, require_reply=True, max_length=3).ok


def test_file_verdict() -> None:
    assert file_verdict("0\n", weight=1, reverse=False).ok
    assert not file_verdict("-254", weight=1, reverse=False).ok
    assert not file_verdict("127", weight=-2, reverse=False).ok
    assert not file_verdict("127", weight=2, reverse=True).ok
    assert file_verdict(None, weight=1, reverse=False).ok
    assert not file_verdict("high", weight=1, reverse=False).ok
    assert file_verdict("5", weight=2, reverse=False, base_weight=3).weight == 13
    assert file_verdict("-5", weight=2, reverse=False, base_weight=3).weight == 0


def test_echo_request_and_reply_matching() -> None:
    import socket

    request = echo_request(socket.AF_INET, 7)
    assert request[0] == 8 and request[6:8] == b"\x00\x07"
    reply = bytes([0]) + request[1:]
    assert is_echo_reply(socket.AF_INET, reply, 7)
    assert not is_echo_reply(socket.AF_INET, reply, 8)
    assert not is_echo_reply(socket.AF_INET, request, 7)
    assert not is_echo_reply(socket.AF_INET, b"\x00", 7)
