# SPDX-License-Identifier: Apache-2.0
"""HTTP_GET / SSL_GET ``regex``: where keepalived looks for the match, and what it decides.

keepalived 2.2.7 (check_http.c) searches the data the server returned, from the first byte of
the status line (the read that completes the header block is searched whole, headers
included), for a match that starts at ``regex_min_offset`` or later and at
``regex_max_offset`` or earlier; ``regex_no_match`` turns a match into a failure. The pattern
comes compiled: :mod:`pyipvs.config.sections.url_regex` turns keepalived's PCRE2 pattern and
options into ``re`` and refuses what ``re`` cannot say the same way.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class BodyRegex:
    """One url's regex; ``max_offset`` is inclusive (the value written in keepalived.conf)."""

    compiled: re.Pattern[bytes]
    no_match: bool = False
    min_offset: int = 0
    max_offset: int | None = None


def regex_matched(
    compiled: re.Pattern[bytes], data: bytes, min_offset: int = 0, max_offset: int | None = None
) -> bool:
    """A match starts within [min_offset, max_offset]. The leftmost match from ``min_offset``
    is the one keepalived finds (``pos`` keeps look-behind and ``^`` as PCRE2's start offset)."""
    found = compiled.search(data, min_offset)
    return found is not None and (max_offset is None or found.start() <= max_offset)
