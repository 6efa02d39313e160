# SPDX-License-Identifier: Apache-2.0
"""How the children run: ``vrrp_*`` / ``checker_*`` ``priority``, ``rt_priority``,
``rlimit_rttime``, ``no_swap`` and ``cpu_affinity`` in global_defs (keepalived 2.2.7's
global_parser.c: its ranges, its clamping of a real-time priority, its minimum of 2 for a
limit, its check of CPU numbers against the CPUs online)."""

from __future__ import annotations

import dataclasses
import os

from pyipvs.config.model import ProcessTuning
from pyipvs.config.tree import Node
from pyipvs.config.values import Context, Fields, Keyword, Table, extra_args, first_arg, parse_int

RT_PRIORITY_MIN, RT_PRIORITY_MAX = 1, 99  # sched_get_priority_min/max(SCHED_RR) on Linux
_U32_MAX = 2**32 - 1
CHILDREN = {"vrrp": "vrrp_process", "checker": "checker_process"}


def _update(fields: Fields, child: str, **values: object) -> None:
    name = CHILDREN[child]
    fields[name] = dataclasses.replace(fields.get(name, ProcessTuning()), **values)


def _rt_priority(child: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is None:
            return
        try:
            value = int(text, 10)
        except ValueError:
            ctx.error(node, f"{node.keyword}: invalid real-time priority '{text}'")
            return
        clamped = min(max(value, RT_PRIORITY_MIN), RT_PRIORITY_MAX)
        if clamped != value:  # keepalived clamps into the range, with an error
            ctx.error(
                node,
                f"{node.keyword}: {value} outside [{RT_PRIORITY_MIN}, {RT_PRIORITY_MAX}]"
                f" - using {clamped}",
            )
        _update(fields, child, rt_priority=clamped)
        extra_args(ctx, node, 1)

    return Keyword(handler)


def _number(child: str, field: str, low: int, high: int, *, invalid: int | None = None,
            least: int | None = None) -> Keyword:  # fmt: skip
    """A number in [low, high] for *field*; *invalid*: what an invalid one sets (None: keeps
    the value); *least*: the smallest value kept (a smaller valid one is raised to it)."""

    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        text = first_arg(ctx, node)
        if text is not None:
            value = parse_int(ctx, node, text, low, high)
            if value is None:
                value = invalid
            elif least is not None:
                value = max(value, least)
            if value is not None:
                _update(fields, child, **{field: value})
            extra_args(ctx, node, 1)

    return Keyword(handler)


def _no_swap(child: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        extra_args(ctx, node, 0)
        _update(fields, child, no_swap=True)

    return Keyword(handler)


def _cpu_affinity(child: str) -> Keyword:
    def handler(ctx: Context, node: Node, fields: Fields) -> None:
        if first_arg(ctx, node) is None:
            return
        online = os.cpu_count() or 1
        cpus = []
        for text in node.args:
            cpu = parse_int(ctx, node, text, 0, online - 1)
            if cpu is None:  # as keepalived: one bad CPU number empties the set
                _update(fields, child, cpu_affinity=())
                return
            cpus.append(cpu)
        _update(fields, child, cpu_affinity=tuple(sorted(set(cpus))))

    return Keyword(handler)


def _table(child: str) -> Table:
    # keepalived: an invalid nice value means 0; a limit is at least 2 (its soft limit is half)
    rlimit = _number(child, "rlimit_rttime", 1, _U32_MAX, least=2)
    return {
        f"{child}_priority": _number(child, "nice", -20, 19, invalid=0),
        f"{child}_rt_priority": _rt_priority(child),
        f"{child}_rlimit_rttime": rlimit,
        # keepalived's older spelling: it only logs a hint, so -t stays clean
        f"{child}_rlimit_rtime": rlimit,
        f"{child}_no_swap": _no_swap(child),
        f"{child}_cpu_affinity": _cpu_affinity(child),
    }


PROCESS_TUNING_TABLE: Table = {**_table("vrrp"), **_table("checker")}
