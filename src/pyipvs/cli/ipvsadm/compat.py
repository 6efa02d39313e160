# SPDX-License-Identifier: Apache-2.0
"""ipvsadm's compatibility tables: which options each command (and each tunnel type) requires,
allows or forbids, and the checks that walk them (``generic_opt_check``, ``tunnel_opt_check``).
"""

from __future__ import annotations

from collections.abc import Sequence

from pyipvs.cli.ipvsadm.messages import Fail

COMMANDS = (
    "add-service",
    "edit-service",
    "delete-service",
    "flush",
    "list",
    "add-server",
    "delete-server",
    "edit-server",
    "set",
    "start-daemon",
    "stop-daemon",
    "restore",
    "save",
    "zero",
)

OPTIONS = (
    "numeric",
    "connection",
    "service-address",
    "scheduler",
    "persistent",
    "netmask",
    "real-server",
    "forwarding-method",
    "weight",
    "u-threshold",
    "l-threshold",
    "mcast-interface",
    "timeout",
    "daemon",
    "stats",
    "rate",
    "thresholds",
    "persistent-conn",
    "nosort",
    "syncid",
    "exact",
    "ops",
    "pe",
    "sched-flags",
    "mcast-group",
    "mcast-port",
    "mcast-ttl",
    "sync-maxlen",
    "tun-info",
    "tun-type",
    "tun-port",
    "tun-nocsum",
    "tun-csum",
    "tun-remcsum",
)

# Rows follow COMMANDS, columns follow OPTIONS. '+' required, 'x' illegal, '1' at most one of
# the '1' columns, ' ' optional. (ipvsadm's commands_v_options table, read from its binary.)
COMPATIBILITY = {
    "add-service": "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    "edit-service": "xx+   xxxxxxxxxxxxxxx   xxxxxxxxxx",
    "delete-service": "xx+xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "flush": "x" * 34,
    "list": " 11xxxxxxxxx11       xxxxxxx xxxxx",
    "add-server": "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    "delete-server": "xx+xxx+xxxxxxxxxxxxxxxxxxxxxxxxxxx",
    "edit-server": "xx+xxx+    xxxxxxxxxxxxxxxxxx     ",
    "set": "x" * 34,
    "start-daemon": "xxxxxxxxxxx xxxxxxx xxxx    xxxxxx",
    "stop-daemon": "xxxxxxxxxxxxxxxxxxx xxxxxxxxxxxxxx",
    "restore": "x" * 34,
    "save": " " + "x" * 33,
    "zero": "xx" + " " + "x" * 31,
}

TUNNEL_OPTIONS = ("tun-port", "tun-nocsum", "tun-csum", "tun-remcsum")
# Per tunnel type, columns follow TUNNEL_OPTIONS (ipvsadm's tunnel_types_v_options).
TUNNEL_COMPATIBILITY = {"ipip": "xxxx", "gue": "+111", "gre": "x11x"}
TUNNEL_CHECKSUMS = {"tun-nocsum": "nocsum", "tun-csum": "csum", "tun-remcsum": "remcsum"}


def _rules_by_kind(rule: str) -> dict[str, frozenset[str]]:
    return {
        command: frozenset(name for name, r in zip(OPTIONS, row, strict=True) if r in rule)
        for command, row in COMPATIBILITY.items()
    }


_REQUIRED, _ALLOWED, _EXCLUSIVE = _rules_by_kind("+"), _rules_by_kind("+ 1"), _rules_by_kind("1")


def check_compatibility(command: str, options: set[str]) -> None:
    """ipvsadm's ``generic_opt_check``: the first offending column (in table order) wins."""
    if (
        options <= _ALLOWED[command]
        and _REQUIRED[command] <= options
        and len(options & _EXCLUSIVE[command]) <= 1
    ):
        return  # the common case, without walking the table
    _walk(OPTIONS, COMPATIBILITY[command], options, f"'{command}' command")


def check_tunnel_options(tunnel_type: str, options: set[str]) -> None:
    """ipvsadm's ``tunnel_opt_check``: the tunnel options allowed with a tunnel type."""
    row = TUNNEL_COMPATIBILITY[tunnel_type]
    _walk(TUNNEL_OPTIONS, row, options, f"'{tunnel_type}' tunnel type")


def _walk(names: Sequence[str], row: str, options: set[str], subject: str) -> None:
    """One row of a table: the first offending column (in table order) fails."""
    first_exclusive: str | None = None
    for name, rule in zip(names, row, strict=True):
        if name not in options:
            if rule == "+":
                raise Fail(f"You need to supply the '{name}' option for the {subject}")
            continue
        if rule == "x":
            raise Fail(f"Illegal '{name}' option with the {subject}")
        if rule == "1":
            if first_exclusive is None:
                first_exclusive = name
                continue
            raise Fail(
                f"The option '{name}' conflicts with the '{first_exclusive}' option "
                f"in the {subject}"
            )
