# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived --plan -f CONF``: the kernel operations starting with CONF would make
against the live IPVS table, printed one per line in ipvsadm's syntax; nothing is changed.

The plan is the checker process's own first sync (:class:`CheckerProcess`), stopped before
``apply``: real servers in their initial check state as keepalived starts them (up, unless
``alpha``; ``inhibit_on_failure`` keeps a down one at weight 0; quorum and the sorry server as
at start), entries the configuration does not name left alone, and with ``lvs_flush`` a flush
of the whole table first. Exit status: 0 nothing to do, 2 operations pending (as
``terraform plan -detailed-exitcode``), 1 the IPVS table cannot be read or the plan cannot be
written (a full disk; a reader that went away, ``| head``, is no error), 4 the configuration
cannot be used (as keepalived).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
from collections.abc import Sequence
from typing import TextIO

from pyipvs.check import CheckScheduler
from pyipvs.config import DEFAULT_CONFIG, read_config
from pyipvs.daemon.check.from_config import ServiceSpec, services_from_config
from pyipvs.daemon.check.process import CheckerProcess, IpvsTable
from pyipvs.daemon.check.reconcile import LiveTable, reconcile
from pyipvs.errors import PyipvsError
from pyipvs.ipvs import ops
from pyipvs.ipvs.ipvsadm_syntax import operation_line, operation_words

EXIT_NOTHING_TO_DO = 0
EXIT_IPVS_UNREADABLE = 1
EXIT_UNWRITABLE = 1
EXIT_PENDING = 2
EXIT_CONFIG_FATAL = 4


def planned_operations(
    specs: Sequence[ServiceSpec], ipvs: IpvsTable, *, flush_on_start: bool = False
) -> list[ops.Operation]:
    """What the checker process's first sync would apply to ``ipvs``; applies nothing."""
    process = CheckerProcess(specs, ipvs, CheckScheduler(), flush_on_start=flush_on_start)
    process.subscribe()  # the initial check states; the scheduler is never run
    desired, _ = process.desired()
    if flush_on_start:  # lvs_flush: the table is emptied first, so everything is added
        return [ops.Flush(), *reconcile(desired, LiveTable(), process.owned)]
    return reconcile(desired, process.live(), process.owned)


def plan_document(operations: Sequence[ops.Operation], config: str) -> dict[str, object]:
    """The ``--json`` form: each operation's action, its ipvsadm line and argument words."""
    return {
        "config": config,
        "operations": [
            {
                "action": op.action,
                "ipvsadm": operation_line(op),
                "argv": operation_words(op),
            }
            for op in operations
        ],
    }


def write_plan(
    operations: Sequence[ops.Operation], config: str, as_json: bool, out: TextIO
) -> None:
    if as_json:
        json.dump(plan_document(operations, config), out, indent=2)
        out.write("\n")
        return
    for op in operations:
        out.write(operation_line(op) + "\n")


def plan_main(args: argparse.Namespace) -> int:
    """Reads ``args.use_file`` (None: keepalived's default), ``args.config_id``,
    ``args.namespace`` (an ``ip netns`` name or None) and ``args.json``; prints the plan."""
    from pyipvs import Ipvs

    path: str = args.use_file or DEFAULT_CONFIG
    result = read_config(path, config_id=args.config_id)
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    if result.exit_status == EXIT_CONFIG_FATAL:
        print(f"pyipvs-keepalived: configuration {path} cannot be used", file=sys.stderr)
        return EXIT_CONFIG_FATAL
    specs = services_from_config(result.config)
    flush = result.config.global_defs.lvs_flush
    try:
        with Ipvs(netns=args.namespace) as ipvs:
            operations = planned_operations(specs, ipvs, flush_on_start=flush)
    except PyipvsError as exc:
        where = f" in namespace {args.namespace}" if args.namespace else ""
        print(f"pyipvs-keepalived: cannot read the IPVS table{where}: {exc}", file=sys.stderr)
        return EXIT_IPVS_UNREADABLE
    status = EXIT_PENDING if operations else EXIT_NOTHING_TO_DO
    return _print_plan(operations, path, bool(args.json), status)


def _print_plan(operations: Sequence[ops.Operation], path: str, as_json: bool, status: int) -> int:
    """Writes the plan on stdout: ``status``, or :data:`EXIT_UNWRITABLE` if that failed."""
    try:
        if sys.stdout is None:  # started with stdout closed (>&-)
            raise ValueError("closed")
        write_plan(operations, path, as_json, sys.stdout)
        sys.stdout.flush()
    except BrokenPipeError:  # the reader is gone (| head): it read what it wanted
        return _silence_stdout(status)
    except (OSError, ValueError) as exc:  # ValueError: stdout is closed
        reason = exc.strerror if isinstance(exc, OSError) else "standard output is closed"
        print(f"pyipvs-keepalived: cannot write the plan: {reason}", file=sys.stderr)
        return _silence_stdout(EXIT_UNWRITABLE)
    return status


def _silence_stdout(status: int) -> int:
    # The interpreter flushes stdout again on exit: point it at /dev/null so that flush has
    # nowhere to fail and prints no "Exception ignored" lines.
    with contextlib.suppress(OSError, ValueError, AttributeError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return status
