# SPDX-License-Identifier: Apache-2.0
"""keepalived's ``vrrp_sync_group``, sans-IO: members that move together.

keepalived (``vrrp_sync.c``): a member may become master only when every member can; a member
going BACKUP or FAULT takes every other member with it. :class:`VrrpSyncGroup` applies those two
rules around the members' own :meth:`~pyipvs.vrrp.VrrpInstance.handle`.
"""

from __future__ import annotations

from collections.abc import Mapping

from pyipvs.errors import PyipvsValueError
from pyipvs.vrrp import actions as act
from pyipvs.vrrp import events as ev
from pyipvs.vrrp.instance import VrrpInstance
from pyipvs.vrrp.machine import BACKUP, FAULT, MASTER


class VrrpSyncGroup:
    """A named set of instances that change state together.

    :param name: the group's name (for reasons in :class:`~pyipvs.vrrp.StateChanged`).
    :param members: the instances by name; at least two.
    """

    def __init__(self, name: str, members: Mapping[str, VrrpInstance]) -> None:
        if len(members) < 2:
            raise PyipvsValueError(f"vrrp_sync_group {name}: needs at least two members")
        self.name = name
        self._members = dict(members)

    @property
    def members(self) -> dict[str, VrrpInstance]:
        return dict(self._members)

    def handle(self, member: str, event: ev.Event, now: float) -> list[tuple[str, act.Action]]:
        """Hands *event* to *member*, then moves the others along; returns every member's
        actions as ``(member name, action)`` pairs, in order.

        :raises PyipvsValueError: *member* is not in the group.
        """
        if member not in self._members:
            raise PyipvsValueError(f"vrrp_sync_group {self.name}: no member {member!r}")
        out: list[tuple[str, act.Action]] = []
        self._update_holds()
        pending = [(member, event)]
        while pending:
            name, current = pending.pop(0)
            for action in self._members[name].handle(current, now):
                out.append((name, action))
                if isinstance(action, act.StateChanged):
                    pending.extend(self._followers(name, action))
            self._update_holds()
        return out

    def _followers(self, leader: str, change: act.StateChanged) -> list[tuple[str, ev.Event]]:
        target = change.new
        if target not in (MASTER, BACKUP, FAULT):
            return []
        if target == BACKUP and change.old == MASTER:
            reason = f"sync group {self.name}: {leader} left MASTER"
        elif target == BACKUP and change.old == FAULT:
            reason = f"sync group {self.name}: {leader} left FAULT"
        elif target == BACKUP:
            return []
        else:
            reason = f"sync group {self.name}: {leader} went {target}"
        moves: list[tuple[str, ev.Event]] = []
        for name, instance in self._members.items():
            if name != leader and instance.state not in (target, "INIT"):
                moves.append((name, ev.SyncGroupMove(target, reason)))
        return moves

    def _update_holds(self) -> None:
        # A member may become master only if no other member is in FAULT (keepalived's "every
        # member's wantstate is MASTER", which prefers backup to thrashing).
        for name, instance in self._members.items():
            faulty = [n for n, other in self._members.items() if n != name and other.faulty]
            reason = f"sync group {self.name}: {', '.join(faulty)} in FAULT" if faulty else None
            instance.set_sync_hold(reason)
