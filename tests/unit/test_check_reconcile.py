# SPDX-License-Identifier: Apache-2.0
"""Reconcile tables: desired x live -> the fewest operations, in order; ownership respected;
listings with repeated entries refused."""

from __future__ import annotations

import pytest

from pyipvs import RealServer, VirtualService, ops
from pyipvs.daemon.check.reconcile import (
    Owned,
    check_listing,
    owned_from,
    reconcile,
)
from pyipvs.errors import InconsistentListing

WEB = VirtualService("tcp", "10.0.0.5", 80, scheduler="wlc")
WEB_RR = VirtualService("tcp", "10.0.0.5", 80, scheduler="rr")
WEB_PERSIST = VirtualService("tcp", "10.0.0.5", 80, scheduler="wlc", persistence_timeout=300)
DNS = VirtualService("udp", "10.0.0.5", 53)
MARK = VirtualService(fwmark=7)
OTHER = VirtualService("tcp", "10.9.9.9", 443)  # someone else's service
RS1 = RealServer("192.168.1.1", 80, weight=1, forward="masq")
RS1_W5 = RealServer("192.168.1.1", 80, weight=5, forward="masq")
RS1_W0 = RealServer("192.168.1.1", 80, weight=0, forward="masq")
RS1_DR = RealServer("192.168.1.1", 80, weight=1, forward="route")
RS2 = RealServer("192.168.1.2", 80, weight=1, forward="masq")
RS3 = RealServer("192.168.1.3", 80, weight=1, forward="masq")
HAND = RealServer("192.168.1.99", 80, weight=1, forward="masq")  # added by hand


def plan(desired: dict, live: list, owned: Owned | None = None) -> list[ops.Operation]:
    return reconcile(desired, check_listing(live), owned or owned_from(desired))


CASES = {
    "empty kernel: services then servers": (
        {WEB: [RS1, RS2], MARK: [RS1]},
        [],
        None,
        [
            ops.AddService(WEB),
            ops.AddService(MARK),
            ops.AddRealServer(WEB, RS1),
            ops.AddRealServer(WEB, RS2),
            ops.AddRealServer(MARK, RS1),
        ],
    ),
    "in sync: nothing": ({WEB: [RS1, RS2]}, [(WEB, [RS2, RS1])], None, []),
    "weight changed in place": (
        {WEB: [RS1_W5, RS2]},
        [(WEB, [RS1, RS2])],
        None,
        [ops.EditRealServer(WEB, RS1_W5)],
    ),
    "forwarding method changed in place": (
        {WEB: [RS1_DR]},
        [(WEB, [RS1])],
        None,
        [ops.EditRealServer(WEB, RS1_DR)],
    ),
    "scheduler changed in place": (
        {WEB_RR: [RS1]},
        [(WEB, [RS1])],
        None,
        [ops.EditService(WEB_RR)],
    ),
    "persistence changed in place": (
        {WEB_PERSIST: [RS1]},
        [(WEB, [RS1])],
        None,
        [ops.EditService(WEB_PERSIST)],
    ),
    "server down, removed": (
        {WEB: [RS2]},
        [(WEB, [RS1, RS2])],
        owned_from({WEB: [RS1, RS2]}),
        [ops.DeleteRealServer(WEB, RS1)],
    ),
    "server down, inhibited to weight 0": (
        {WEB: [RS1_W0, RS2]},
        [(WEB, [RS1, RS2])],
        None,
        [ops.EditRealServer(WEB, RS1_W0)],
    ),
    "server deleted behind our back: restored": (
        {WEB: [RS1, RS2]},
        [(WEB, [RS2])],
        None,
        [ops.AddRealServer(WEB, RS1)],
    ),
    "service deleted behind our back: restored whole": (
        {WEB: [RS1], DNS: [RS1]},
        [(DNS, [RS1])],
        None,
        [ops.AddService(WEB), ops.AddRealServer(WEB, RS1)],
    ),
    "foreign service and hand-added server left alone": (
        {WEB: [RS1]},
        [(WEB, [RS1, HAND]), (OTHER, [RS3])],
        None,
        [],
    ),
    "lvs_flush owns everything": (
        {WEB: [RS1]},
        [(WEB, [RS1, HAND]), (OTHER, [RS3])],
        Owned(everything=True),
        [ops.DeleteRealServer(WEB, HAND), ops.DeleteService(OTHER)],
    ),
    "stop: only our services go, without per-server deletes": (
        {},
        [(WEB, [RS1, RS2]), (OTHER, [RS3])],
        owned_from({WEB: [RS1, RS2]}),
        [ops.DeleteService(WEB)],
    ),
    "mixed: removals, edits, adds, then service deletes": (
        {WEB: [RS1_W5, RS3], MARK: [RS1]},
        [(WEB, [RS1, RS2]), (DNS, [RS1])],
        owned_from({WEB: [RS1, RS2, RS3], MARK: [RS1], DNS: [RS1]}),
        [
            ops.AddService(MARK),
            ops.DeleteRealServer(WEB, RS2),
            ops.EditRealServer(WEB, RS1_W5),
            ops.AddRealServer(WEB, RS3),
            ops.AddRealServer(MARK, RS1),
            ops.DeleteService(DNS),
        ],
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_reconcile_table(case: str) -> None:
    desired, live, owned, expected = CASES[case]
    assert plan(desired, live, owned) == expected


def test_applying_the_plan_to_a_model_of_the_table_reaches_the_desired_state() -> None:
    """Replays each plan on a dict model of the kernel: the end state is the desired one
    (plus the entries we do not own) and planning again yields nothing."""
    for case, (desired, live, owned, _) in CASES.items():
        owned = owned or owned_from(desired)
        table = {vs: {(rs.address, rs.port): rs for rs in rss} for vs, rss in live}
        for op in plan(desired, live, owned):
            _apply_to_model(table, op)
        after = [(vs, list(rss.values())) for vs, rss in table.items()]
        assert plan(desired, after, owned) == [], case
        for vs, rss in desired.items():
            model = next(v for v in table if v == vs)
            assert set(rss) <= set(table[model].values()), case


def _apply_to_model(table: dict, op: ops.Operation) -> None:
    def find(vs: VirtualService) -> VirtualService:
        return next(
            v
            for v in table
            if (v.fwmark, v.protocol, v.address, v.port)
            == (vs.fwmark, vs.protocol, vs.address, vs.port)
        )

    if isinstance(op, ops.AddService):
        table[op.vs] = {}
    elif isinstance(op, ops.EditService):
        table[op.vs] = table.pop(find(op.vs))
    elif isinstance(op, ops.DeleteService):
        del table[find(op.vs)]
    elif isinstance(op, (ops.AddRealServer, ops.EditRealServer)):
        table[find(op.vs)][(op.rs.address, op.rs.port)] = op.rs
    elif isinstance(op, ops.DeleteRealServer):
        del table[find(op.vs)][(op.rs.address, op.rs.port)]


def test_a_listing_that_repeats_a_service_is_refused() -> None:
    with pytest.raises(InconsistentListing, match="service"):
        check_listing([(WEB, [RS1]), (WEB_RR, [RS1])])  # same key, however configured


def test_a_listing_that_repeats_a_real_server_is_refused() -> None:
    with pytest.raises(InconsistentListing, match="real server"):
        check_listing([(WEB, [RS1, RS1_W5])])
