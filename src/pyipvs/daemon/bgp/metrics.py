# SPDX-License-Identifier: Apache-2.0
"""The ``checkers.bgp`` section of a status document as Prometheus families.

Called by :mod:`pyipvs.daemon.state.metrics` with its registry; typed here by what is used of
it, so this package needs nothing of the state's.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Protocol


class FamilyLike(Protocol):
    def add(self, value: float | None, suffix: str = "", /, **labels: object) -> None: ...


class RegistryLike(Protocol):
    def __call__(self, name: str, kind: str, help_text: str) -> FamilyLike: ...


def bgp_metrics(r: RegistryLike, section: Mapping[str, Any]) -> None:
    speaker = section["speaker"]
    r(
        "pyipvs_bgp_speaker_up", "gauge", "1 while the BGP speaker answers on its control channel"
    ).add(1 if section["state"] == "up" else 0, speaker=speaker)
    r(
        "pyipvs_bgp_speaker_consecutive_failures",
        "gauge",
        "failed attempts to reach the speaker since it last answered",
    ).add(section["consecutive_failures"], speaker=speaker)
    r("pyipvs_bgp_errors_total", "counter", "failed attempts to reach the speaker").add(
        section["errors_total"], speaker=speaker
    )
    r("pyipvs_bgp_publishes_total", "counter", "route sets the speaker accepted").add(
        section["publishes_total"], speaker=speaker
    )
    r("pyipvs_bgp_speaker_restarts_total", "counter", "speaker restarts seen").add(
        section["restarts_seen"], speaker=speaker
    )
    announced = set(section["announced"] or ())
    route = r(
        "pyipvs_bgp_route_announced",
        "gauge",
        "per address with quorum: 1 once the speaker took it, 0 while it is not known to",
    )
    for prefix in section["wanted"]:
        route.add(1 if prefix in announced else 0, speaker=speaker, prefix=prefix)
