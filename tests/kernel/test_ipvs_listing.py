# SPDX-License-Identifier: Apache-2.0
"""A listing is never silently wrong: kernel 7.2's dump, started right after a burst of changes,
can repeat services in place of others (with no NLM_F_DUMP_INTR; DESIGN.md, "Test tiers").
Ipvs.services() and Ipvs.table() re-read such a listing, and raise InconsistentListing when no
consistent one comes within their bound."""

from __future__ import annotations

from pyipvs import InconsistentListing, Ipvs, RealServer, VirtualService, ops

COUNT = 10_000


def burst(ipvs: Ipvs, round_: int) -> set[VirtualService]:
    """Adds COUNT services (one real server on every 100th) in one batch."""
    services = [
        VirtualService("tcp", f"10.{round_}.{i // 250}.{i % 250 + 1}", 80) for i in range(COUNT)
    ]
    batch: list[ops.Operation] = [ops.AddService(vs) for vs in services]
    batch += [ops.AddRealServer(vs, RealServer("127.0.0.1", 80)) for vs in services[::100]]
    assert ipvs.apply(batch).ok
    return set(services)


def test_listings_right_after_a_burst_are_exact_or_refused(ipvs_netns: str) -> None:
    with Ipvs(netns=ipvs_netns) as ipvs:
        for round_ in range(3):
            ipvs.flush()
            added = burst(ipvs, round_)
            try:  # at once: this is when 7.2 answers with repeats
                listed = ipvs.services()
            except InconsistentListing as e:
                assert e.errno == 11 and e.service  # EAGAIN, and which service repeated
            else:
                assert len(listed) == COUNT and set(listed) == added
            try:
                table = ipvs.table()
            except InconsistentListing as e:
                assert e.errno == 11 and e.service
            else:
                assert set(table) == added
                with_servers = [vs for vs, servers in table.items() if servers]
                assert len(with_servers) == COUNT // 100
