# SPDX-License-Identifier: Apache-2.0
"""What each parsed pyipvsadm command does: changes through :meth:`pyipvs.Ipvs.apply`,
listings and saves through :mod:`~pyipvs.cli.ipvsadm.listings` (imported only then), all on
the session's handle (so a handle bound to another namespace lists that namespace,
connections included)."""

from __future__ import annotations

from pyipvs.cli.ipvsadm import rules as ipvsadm_model
from pyipvs.cli.ipvsadm.options import Invocation
from pyipvs.cli.ipvsadm.session import Session
from pyipvs.errors import KernelError
from pyipvs.ipvs.handle import Ipvs

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from typing import TextIO


def execute(
    inv: Invocation,
    program: str,
    stdout: TextIO,
    stderr: TextIO,
    ipvs: Ipvs | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run a parsed command line in a session of its own (closing the handle it opened)."""
    session = Session(program, stdout, stderr, stdin, ipvs)
    try:
        return run(session, inv)
    finally:
        if ipvs is None:
            session.close()


def run(session: Session, inv: Invocation) -> int:
    """Run a parsed command; 0 on success, -1 on a kernel error (ipvsadm's convention)."""
    command = inv.command
    if command in ("list", "save"):
        # Deferred: the formatters, which a change (the usual single command) never needs.
        from pyipvs.cli.ipvsadm import listings

        if command == "list":
            listings.list_command(session, inv)
        else:
            listings.list_all(session, inv, rule=True)
        return 0
    if command == "restore":
        from pyipvs.cli.ipvsadm.restore import restore  # deferred: its parser fast path

        # ipvsadm initialises IPVS before reading a line: a caller without CAP_NET_ADMIN
        # stops here even on an empty input.
        session.ipvs  # noqa: B018
        return restore(session, session.stdin, lambda line: run(session, line))
    if command in ("start-daemon", "stop-daemon"):
        return _daemon(session, inv)
    try:
        op = ipvsadm_model.operation(inv)
    except ipvsadm_model.ModelRefused as exc:
        return session.report(command, exc)
    assert op is not None
    results = session.ipvs.apply([op])
    return session.report(command, results[0].error)


def _daemon(session: Session, inv: Invocation) -> int:
    try:
        if inv.command == "start-daemon":
            session.ipvs.start_sync_daemon(ipvsadm_model.sync_daemon(inv))
        else:
            syncid = inv.daemon.syncid if inv.has("syncid") else None
            session.ipvs.stop_sync_daemon(inv.daemon.state, syncid)
    except KernelError as exc:
        return session.report(inv.command, exc)
    return 0
