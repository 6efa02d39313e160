# SPDX-License-Identifier: Apache-2.0
"""The one rule of pyipvs's small caches of immutable values (parsed addresses, listing
templates, packed configurations): bounded, and emptied whole when full.

Tables repeat themselves (one scheduler everywhere, the same real servers behind many
services), so a cache refills with what is current at once; forgetting everything at the limit
is as good as LRU here and costs nothing on the hit path, which stays an inline ``dict.get``.
"""

from __future__ import annotations

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import TypeVar

    K = TypeVar("K")
    V = TypeVar("V")


def remember(cache: dict[K, V], key: K, value: V, limit: int) -> V:
    """Stores value under key in cache (emptied first when it holds limit entries); value."""
    if len(cache) >= limit:
        cache.clear()
    cache[key] = value
    return value
