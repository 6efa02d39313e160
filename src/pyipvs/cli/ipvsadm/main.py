"""``pyipvsadm``: a drop-in ipvsadm 1.31 on top of :class:`pyipvs.Ipvs`.

The command line, the messages, the exit statuses and every listing match ipvsadm 1.31 byte for
byte (the program name in messages is this program's ``argv[0]``, as ipvsadm uses its own);
the deliberate differences are listed in docs/reference/pyipvsadm.rst. Only what a command
needs is imported: the kernel binding is loaded on first use, so ``-h`` and argument errors
never touch it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, TextIO

from pyipvs.cli.ipvsadm.options import (
    VERSION_LINE,
    CliExit,
    HelpRequested,
    Invocation,
    LineError,
    VersionRequested,
    parse,
)

if TYPE_CHECKING:
    from pyipvs.cli.ipvsadm import rules as ipvsadm_model
    from pyipvs.cli.ipvsadm.format import Format
    from pyipvs.ipvs.handle import Ipvs
    from pyipvs.ipvs.model import RealServer, VirtualService

INIT_FAILURE = (
    "Can't initialize ipvs: {}\nAre you sure that IP Virtual Server is built in the kernel or "
    "as module?\n"
)
MODPROBE = "/sbin/modprobe"


class Session:
    """One pyipvsadm process: the lazily opened handle and the output streams."""

    def __init__(
        self, program: str, stdout: TextIO, stderr: TextIO, stdin: TextIO | None = None
    ) -> None:
        self.program = program
        self.stdin = stdin if stdin is not None else sys.stdin
        self.stdout = stdout
        self.stderr = stderr
        self._ipvs: Ipvs | None = None

    @property
    def ipvs(self) -> Ipvs:
        if self._ipvs is None:
            self._ipvs = _open_ipvs()
        return self._ipvs

    def close(self) -> None:
        if self._ipvs is not None:
            self._ipvs.close()

    # ---- one command line ----

    def run(self, inv: Invocation) -> int:
        """Run a parsed command; 0 on success, -1 on a kernel error (ipvsadm's convention)."""
        from pyipvs.cli.ipvsadm import rules as ipvsadm_model

        command = inv.command
        if command == "list":
            self._list(inv)
            return 0
        if command == "save":
            self._save(inv)
            return 0
        if command == "restore":
            from pyipvs.cli.ipvsadm.restore import restore

            return restore(self, self.stdin)
        if command in ("start-daemon", "stop-daemon"):
            return self._daemon(inv)
        try:
            op = ipvsadm_model.operation(inv)
        except ipvsadm_model.ModelRefused as exc:
            return self.report(command, exc)
        assert op is not None
        results = self.ipvs.apply([op])
        return self.report(command, results[0].error)

    def report(self, command: str, error: OSError | ipvsadm_model.ModelRefused | None) -> int:
        if error is None:
            return 0
        from pyipvs.cli.ipvsadm.messages import ipvs_strerror

        self.stderr.write(ipvs_strerror(command, error.errno or 0) + "\n")
        return -1

    def _daemon(self, inv: Invocation) -> int:
        from pyipvs.errors import KernelError

        try:
            if inv.command == "start-daemon":
                from pyipvs.cli.ipvsadm.rules import sync_daemon

                self.ipvs.start_sync_daemon(sync_daemon(inv))
            else:
                syncid = inv.daemon.syncid if inv.has("syncid") else None
                self.ipvs.stop_sync_daemon(inv.daemon.state, syncid)
        except KernelError as exc:
            return self.report(inv.command, exc)
        return 0

    # ---- listings ----

    def _list(self, inv: Invocation) -> None:
        if inv.has("connection"):
            self._list_connections(inv)
        elif inv.has("service-address"):
            self._list_service(inv)
        elif inv.has("timeout"):
            self._list_timeouts(inv)
        elif inv.has("daemon"):
            self._list_daemons(inv)
        else:
            self._list_all(inv, rule=False)

    def _save(self, inv: Invocation) -> None:
        self._list_all(inv, rule=True)

    def _table(self) -> list[tuple[VirtualService, list[RealServer]]]:
        """Every service with its real servers, in the kernel's order (one dump per service,
        driven from C)."""
        return list(self.ipvs.table().items())

    def _list_all(self, inv: Invocation, rule: bool) -> None:
        from pyipvs.cli.ipvsadm import format as fmt_mod

        fmt = _format(inv, rule)
        table = self._table()
        info = self.ipvs.info() if not rule else None
        if inv.json:
            from pyipvs.cli.ipvsadm.jsondoc import services_document

            rows = _ordered(table, fmt)
            version = info.version if info else None
            size = info.conn_table_size if info else None
            self.stdout.write(services_document(rows, version, size))
            return
        header = fmt_mod.version_line(info.version, info.conn_table_size) if info else ""
        self.stdout.write(fmt_mod.listing(table, fmt, header))

    def _list_service(self, inv: Invocation) -> None:
        from pyipvs.cli.ipvsadm import format as fmt_mod
        from pyipvs.cli.ipvsadm.messages import ipvs_strerror
        from pyipvs.cli.ipvsadm.rules import virtual_service
        from pyipvs.errors import KernelError

        fmt = _format(inv, rule=False)
        try:
            vs = self.ipvs.get_service(virtual_service(inv.service))
            servers = list(self.ipvs.real_servers(vs))
        except KernelError as exc:
            raise CliExit(1, ipvs_strerror("list", exc.errno or 0) + "\n") from None
        if inv.json:
            from pyipvs.cli.ipvsadm.jsondoc import services_document

            self.stdout.write(services_document(_ordered([(vs, servers)], fmt), None, None))
            return
        self.stdout.write(fmt_mod.title(fmt) + fmt_mod.service_block(vs, servers, fmt))

    def _list_timeouts(self, inv: Invocation) -> None:
        t = self.ipvs.timeouts()
        if inv.json:
            from pyipvs.cli.ipvsadm.jsondoc import timeouts_document

            self.stdout.write(timeouts_document(t))
            return
        from pyipvs.cli.ipvsadm.format import timeouts_line

        self.stdout.write(timeouts_line(t))

    def _list_daemons(self, inv: Invocation) -> None:
        daemons = list(self.ipvs.sync_daemons())
        if inv.json:
            from pyipvs.cli.ipvsadm.jsondoc import daemons_document

            self.stdout.write(daemons_document(daemons))
            return
        from pyipvs.cli.ipvsadm.format import daemon_line

        self.stdout.write("".join(daemon_line(d) for d in daemons))

    def _list_connections(self, inv: Invocation) -> None:
        from pyipvs.cli.ipvsadm import conn as ipvsadm_conn

        try:
            proc = open(ipvsadm_conn.CONN_PROC_FILE)  # noqa: SIM115 - closed below
        except OSError:
            raise CliExit(1, f"cannot open file {ipvsadm_conn.CONN_PROC_FILE}\n") from None
        with proc:
            if not proc.readline():
                raise CliExit(1, f"unexpected input from {ipvsadm_conn.CONN_PROC_FILE}\n")
            rows = ipvsadm_conn.connection_rows(proc)
        if inv.json:
            from pyipvs.cli.ipvsadm.jsondoc import connections_document

            self.stdout.write(connections_document(ipvsadm_conn.readable_rows(rows)))
            return
        text = ipvsadm_conn.format_connections(rows, inv.has("numeric"), inv.has("persistent-conn"))
        self.stdout.write(text)


def _format(inv: Invocation, rule: bool) -> Format:
    from pyipvs.cli.ipvsadm.format import Format

    return Format(
        numeric=inv.has("numeric"),
        rule=rule,
        stats=inv.has("stats"),
        rate=inv.has("rate"),
        thresholds=inv.has("thresholds"),
        persistent_conn=inv.has("persistent-conn"),
        nosort=inv.has("nosort"),
        exact=inv.has("exact"),
        tun_info=inv.has("tun-info"),
    )


def _ordered(
    table: Sequence[tuple[VirtualService, list[RealServer]]], fmt: Format
) -> list[tuple[VirtualService, list[RealServer]]]:
    from pyipvs.cli.ipvsadm.format import sort_servers, sort_services

    rows = list(table)
    if fmt.nosort:
        return rows
    index = {id(vs): i for i, (vs, _) in enumerate(rows)}
    ordered = [rows[index[id(vs)]] for vs in sort_services([vs for vs, _ in rows])]
    return [(vs, sort_servers(servers)) for vs, servers in ordered]


def _open_ipvs() -> Ipvs:
    """ipvsadm's ``ipvs_init``: on failure run modprobe once, then give up with exit 2."""
    from pyipvs.errors import IpvsUnavailable
    from pyipvs.ipvs.handle import Ipvs

    try:
        return Ipvs()
    except IpvsUnavailable:
        pass
    _modprobe_ip_vs()
    try:
        return Ipvs()
    except IpvsUnavailable:
        raise CliExit(2, INIT_FAILURE.format("Protocol not available")) from None


def _modprobe_ip_vs() -> None:
    import contextlib
    import subprocess

    with contextlib.suppress(OSError):
        subprocess.run([MODPROBE, "--", "ip_vs"], check=False, capture_output=True)


def usage_text(program: str) -> str:
    from pyipvs.cli.ipvsadm.help import usage

    return usage(program)


def run_argv(session: Session, argv: Sequence[str]) -> int:
    """One command line (without the program name): the exit status ipvsadm would give."""
    if not argv:
        argv = []
        inv = Invocation("list")
        return session.run(inv) & 0xFF
    try:
        inv = parse(argv, session.program)
    except HelpRequested:
        session.stdout.write(usage_text(session.program))
        return 0
    except VersionRequested:
        session.stdout.write(VERSION_LINE + "\n")
        return 0
    except LineError as exc:
        session.stderr.write(exc.text)
        return 255
    return session.run(inv) & 0xFF


def execute(
    argv: Sequence[str],
    program: str,
    stdout: TextIO,
    stderr: TextIO,
    ipvs: Ipvs | None = None,
    stdin: TextIO | None = None,
) -> int:
    """Run one pyipvsadm command line; returns the exit status. ``ipvs`` is an open handle to
    use instead of one opened (and closed) here, e.g. on another namespace."""
    session = Session(program, stdout, stderr, stdin)
    session._ipvs = ipvs
    try:
        return run_argv(session, argv)
    except CliExit as exc:
        (stdout if exc.to_stdout else stderr).write(exc.text)
        return exc.status
    finally:
        if ipvs is None:
            session.close()


def main(argv: Sequence[str] | None = None) -> int:
    """The ``pyipvsadm`` console script."""
    args = list(sys.argv[1:] if argv is None else argv)
    program = sys.argv[0] if sys.argv and sys.argv[0] else "pyipvsadm"
    try:
        status = execute(args, program, sys.stdout, sys.stderr)
        sys.stdout.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    return status


if __name__ == "__main__":
    sys.exit(main())
