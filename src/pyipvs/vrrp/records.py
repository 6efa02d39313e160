# SPDX-License-Identifier: Apache-2.0
"""Events and actions as JSON-ready dicts and back: for scenario replays, logs and exporters.

An event or action is ``{"type": <class name>, <field>: <value>, ...}``; addresses are strings
and an advertisement is the :class:`~pyipvs.vrrp.VrrpPacket` fields that matter to the state
machine.
"""

from __future__ import annotations

import dataclasses
import ipaddress
from typing import Any

from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import actions as act
from pyipvs.vrrp import events as ev
from pyipvs.vrrp.packet import VrrpPacket
from pyipvs.vrrp.routes import RouteSpec, RuleSpec

_EVENTS: dict[str, type] = {
    cls.__name__: cls
    for cls in (
        ev.Startup,
        ev.Shutdown,
        ev.AdvertReceived,
        ev.TimerExpired,
        ev.InterfaceUp,
        ev.InterfaceDown,
        ev.TrackChanged,
        ev.SyncGroupMove,
    )
}


def _plain(value: Any) -> Any:
    if isinstance(value, ipaddress.IPv4Address | ipaddress.IPv6Address):
        return str(value)
    if isinstance(value, RouteSpec | RuleSpec):
        return str(value)
    if isinstance(value, tuple):
        return [_plain(v) for v in value]
    if isinstance(value, VrrpPacket):
        return {
            "version": value.version,
            "vrid": value.vrid,
            "priority": value.priority,
            "addresses": [str(a) for a in value.addresses],
            "advert_interval": value.advert_interval,
        }
    return value


def to_record(item: ev.Event | act.Action) -> dict[str, Any]:
    """An event or action as a dict of JSON values."""
    record: dict[str, Any] = {"type": type(item).__name__}
    for f in dataclasses.fields(item):
        record[f.name] = _plain(getattr(item, f.name))
    return record


def event_from_record(record: dict[str, Any]) -> ev.Event:
    """The event a :func:`to_record` dict describes.

    :raises PyipvsValueError: unknown type or bad fields.
    """
    fields = dict(record)
    cls = _EVENTS.get(str(fields.pop("type", "")))
    if cls is None:
        raise PyipvsValueError(f"not a VRRP event record: {record!r}")
    try:
        if cls is ev.AdvertReceived:
            packet = fields["packet"]
            fields["packet"] = VrrpPacket(**packet)
            fields["source"] = ipaddress.ip_address(fields["source"])
        event: ev.Event = cls(**fields)
    except (KeyError, TypeError, ValueError) as exc:
        raise PyipvsValueError(f"bad {cls.__name__} record {record!r}: {exc}") from None
    return event
