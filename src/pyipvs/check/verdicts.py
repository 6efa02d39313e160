# SPDX-License-Identifier: Apache-2.0
"""Pure verdicts: what a probe observed -> :class:`ProbeResult`. No sockets, no clock.

Each function states keepalived's rule it follows; the probes in this package only gather the
observation and call one of these.
"""

from __future__ import annotations

from collections.abc import Sequence

from pyipvs.check.result import ProbeResult, failed, passed

DEFAULT_STATUS = ((200, 299),)


def status_in(status: int, ranges: Sequence[tuple[int, int]]) -> bool:
    return any(low <= status <= high for low, high in (ranges or DEFAULT_STATUS))


def http_verdict(
    status: int,
    digest: str | None,
    *,
    status_ranges: Sequence[tuple[int, int]] = (),
    expected_digest: str | None = None,
    regex_found: bool | None = None,
    regex_no_match: bool = False,
) -> ProbeResult:
    """HTTP_GET / SSL_GET for one url, in keepalived's order (http_handle_response): the
    status must fall in ``status_code`` (default 200-299); with ``digest`` set, the body's MD5
    must equal it (case-insensitive hex); with a regex (``regex_found`` not None) it must have
    matched, or must not have with ``regex_no_match``."""
    if not status_in(status, status_ranges):
        return failed(f"HTTP status code {status}")
    if expected_digest is not None and (digest or "").lower() != expected_digest.lower():
        return failed(f"MD5 digest error: {digest}")
    if regex_found is not None:
        if regex_found == regex_no_match:
            return failed("Regex match failed")
        return passed("Regex match")
    return passed(f"HTTP status code {status}")


def smtp_verdict(greeting: int, helo: int | None) -> ProbeResult:
    """SMTP_CHECK: a 220 greeting, then 250 to HELO (RFC 5321 §4.3.2)."""
    if greeting != 220:
        return failed(f"SMTP greeting {greeting}")
    if helo != 250:
        return failed(f"SMTP HELO answered {helo}")
    return passed("SMTP 250")


def smtp_reply_code(lines: Sequence[bytes]) -> int | None:
    """The code of a complete SMTP reply: the last line is ``NNN`` or ``NNN text``, earlier
    lines ``NNN-text`` (RFC 5321 §4.2.1). None when the lines are not a reply."""
    if not lines:
        return None
    last = lines[-1]
    if len(last) < 3 or not last[:3].isdigit() or (len(last) > 3 and last[3:4] != b" "):
        return None
    return int(last[:3])


def dns_verdict(is_response: bool, rcode: int) -> ProbeResult:
    """DNS_CHECK: a response (QR=1) with RCODE 0 (NOERROR); the answer count is not looked at,
    as keepalived does (check_dns.c)."""
    if not is_response:
        return failed("DNS reply without QR")
    if rcode != 0:
        return failed(f"DNS rcode {rcode}")
    return passed("DNS NOERROR")


def misc_verdict(exit_status: int | None, *, dynamic: bool, timed_out: bool) -> ProbeResult:
    """MISC_CHECK: exit 0 up, 1 down; with ``misc_dynamic`` 2..255 is up with weight
    ``status - 2``; without it any non-zero is down. A timeout (or death by a signal) is down."""
    if timed_out:
        return failed("misc_timeout exceeded")
    if exit_status is None or exit_status < 0:
        return failed(f"killed by signal {-(exit_status or 0)}")
    if exit_status == 0:
        return passed("exit 0")
    if dynamic and exit_status >= 2:
        return passed(f"exit {exit_status}", weight=exit_status - 2)
    return failed(f"exit {exit_status}")


def udp_verdict(
    reply: bytes | None,
    *,
    unreachable: bool,
    require_reply: bool,
    expected: bytes | None = None,
    min_length: int | None = None,
    max_length: int | None = None,
) -> ProbeResult:
    """UDP_CHECK: an ICMP unreachable is down; with ``require_reply`` a reply must come, start
    with ``reply`` when one is configured, and have a length within the bounds."""
    if unreachable:
        return failed("ICMP unreachable")
    if not require_reply:
        return passed("no ICMP error")
    if reply is None:
        return failed("no reply")
    if expected is not None and not reply.startswith(expected):
        return failed("reply mismatch")
    if min_length is not None and len(reply) < min_length:
        return failed(f"reply of {len(reply)} bytes is short")
    if max_length is not None and len(reply) > max_length:
        return failed(f"reply of {len(reply)} bytes is long")
    return passed("reply")


def ping_verdict(echo_reply: bool) -> ProbeResult:
    return passed("echo reply") if echo_reply else failed("no echo reply")


def file_verdict(
    content: str | None, *, weight: int, reverse: bool, base_weight: int | None = None
) -> ProbeResult:
    """FILE_CHECK: the file holds an integer; the checker is down while ``value * weight``
    (negated with ``reverse``) is -254 or lower, as a tracked file forces a fault in keepalived.
    Otherwise it is up; given the real server's ``base_weight`` it reports that weight moved by
    the product (never below 0). A missing file reads as 0."""
    value = 0
    if content is not None:
        text = content.strip().split(maxsplit=1)
        try:
            value = int(text[0]) if text else 0
        except ValueError:
            return failed(f"not a number: {text[0][:20]!r}")
    offset = value * weight * (-1 if reverse else 1)
    if offset <= -254:
        return failed(f"file value {value}")
    new_weight = None if base_weight is None else max(0, base_weight + offset)
    return passed(f"file value {value}", weight=new_weight)
