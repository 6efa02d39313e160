# SPDX-License-Identifier: Apache-2.0
"""A director that hangs (BIRD and the daemon stopped by SIGSTOP: nothing on it can withdraw,
its kernel still keeps the TCP session open) leaves the router's ECMP route within BFD's
detection time when ``pyipvs_bgp`` asks for BFD and the router runs BFD too, and only after
the BGP hold time without it. Two directors behind one router, as in ``test_bgp_ecmp``; the
frozen one is then killed, and the survivor's path never moves.

The bounds come from the configuration: BFD declares the director down after its multiplier
times the interval without a packet (RFC 5880 6.8.4). The hold timer runs from the last
KEEPALIVE received, which came at most a keepalive period (a third of the hold time in BIRD)
before the freeze; BIRD shortens its timers by up to a quarter at random (RFC 4271 10), so
the hold timer cannot expire before ``0.75 hold - keepalive`` after the freeze: the route is
still there shortly before that, and the BFD bound is below it. BIRD 2.0.12 drops the routes
about 3 s after it logs "Hold timer expired" (when it sends its NOTIFICATION, seen in its trace
log): the hold case allows for that (about 7-8 s measured in UML for hold 6)."""

from __future__ import annotations

import signal
import subprocess
import time
from pathlib import Path

import pytest
from test_bgp_announce import Bird, bird_view
from test_bgp_ecmp import (
    LINKS,
    Bfd,
    Director,
    next_hops,
    router_conf,
    second_director,
    wire,
)
from waiting import wait_for

__all__ = ["second_director"]  # the fixture, re-used

HOLD, KEEPALIVE = 6.0, 2.0  # test_bgp_announce.TIMERS: hold time 6 (keepalive = hold / 3)
BFD = (0.2, 5)  # 1 s to detect: slow enough not to flap on a loaded UML, well below the hold
EARLIEST_HOLD = HOLD * 0.75 - KEEPALIVE  # 2.5 s: the hold timer cannot have expired before
MARGIN = 1.0  # seconds of scheduling on a loaded machine: detection + MARGIN < EARLIEST_HOLD
BIRD_CLOSE = 3.0  # BIRD 2.0.12's wait between "Hold timer expired" and the routes' flush


def gone_after(router: str, survivor: str, patience: float) -> float:
    """Seconds until the router's route has only *survivor* left (at most *patience*)."""
    start = time.monotonic()
    while next_hops(router) != {survivor}:
        assert next_hops(router), "the survivor's path went too"
        if time.monotonic() - start > patience:
            return time.monotonic() - start
        time.sleep(0.01)
    return time.monotonic() - start


@pytest.mark.parametrize("bfd", [BFD, None], ids=["bfd", "hold-timer"])
def test_a_frozen_director_leaves_the_router(
    bfd: Bfd, ipvs_netns: str, second_director: str, peer_netns: str, tmp_path: Path
) -> None:
    router = peer_netns
    wire(ipvs_netns, router, "d1")
    wire(second_director, router, "d2")
    (tmp_path / "router.conf").write_text(router_conf(bfd))
    routers = Bird(router, tmp_path / "router.conf", tmp_path / "router.ctl", tmp_path / "r.log")
    one = Director(ipvs_netns, "d1", tmp_path, bfd)
    two = Director(second_director, "d2", tmp_path, bfd)
    survivor, both = LINKS["d1"][1], {LINKS["d1"][1], LINKS["d2"][1]}
    routers.start()
    try:
        one.start()
        two.start()
        wait_for(lambda: next_hops(router) == both, "both directors next hops", one.log, two.log)
        if bfd:
            wait_for(
                lambda: bird_sessions_up(tmp_path / "router.ctl") == 2,
                "the router's two BFD sessions up",
                routers.log,
            )
        two.freeze()
        if bfd:
            detection = bfd[0] * bfd[1]
            took = gone_after(router, survivor, detection + MARGIN)
            assert took <= detection + MARGIN, bird_view(tmp_path / "router.ctl")
        else:
            time.sleep(EARLIEST_HOLD - 0.5)
            assert next_hops(router) == both  # BGP alone cannot know yet
            patience = HOLD + BIRD_CLOSE + 2 * MARGIN - (EARLIEST_HOLD - 0.5)
            took = gone_after(router, survivor, patience)
            assert took <= patience, bird_view(tmp_path / "router.ctl")
        two.freeze(signal.SIGKILL)  # then killed: nothing changes for the survivor
        time.sleep(1.0)
        assert next_hops(router) == {survivor}
    finally:
        one.close()
        two.close()
        routers.stop()


def bird_sessions_up(control: Path) -> int:
    """How many BFD sessions the BIRD at *control* has up (``show bfd sessions``)."""
    argv = ["birdc", "-s", str(control), "show", "bfd", "sessions"]
    out = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=10).stdout
    return sum(1 for line in out.splitlines() if " Up " in f" {line} ")
