# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived --status``: both children's status and the kernel's IPVS table, merged,
as a terminal view or (``--json``) as one document.

The view answers the questions asked at 3 a.m.: who is master and since when, which VIPs,
which real servers are in the pool with what weight and why the others are not, and whether
the daemon's timers run late. A daemon that is not running is one line on stderr and exit
status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from pyipvs.daemon.state.render import render
from pyipvs.daemon.state.server import (
    CHECK_SOCKET,
    VRRP_SOCKET,
    StatusUnavailable,
    document,
    read_status,
    status_dir,
)

EXIT_NOT_RUNNING = 1


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyipvs-keepalived --status",
        description="show the running daemon's VRRP, checker and IPVS state",
    )
    p.add_argument("--json", action="store_true", help="print the merged document as JSON")
    p.add_argument("--status-dir", help="directory of the status sockets")
    p.add_argument("--netns", help="read IPVS in this network namespace (ip netns name)")
    p.add_argument("--no-ipvs", action="store_true", help="do not read the kernel's IPVS table")
    return p


def status_main(argv: Sequence[str], out: TextIO | None = None, err: TextIO | None = None) -> int:
    """Runs ``--status`` with the options in *argv* (``--json``, ``--status-dir DIR``,
    ``--netns NAME``, ``--no-ipvs``); returns the exit status: 0 shown, 1 not running, 2 bad
    options."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(list(argv))
    except SystemExit as exc:  # argparse said why on stderr
        return int(exc.code or 0)
    merged = gather(status_dir(args.status_dir), netns=args.netns, read_ipvs=not args.no_ipvs)
    sources = merged["sources"]
    if all("error" in s for s in sources.values()):
        reasons = "; ".join(s["error"] for s in sources.values())
        print(f"pyipvs-keepalived is not running: {reasons}", file=err)
        return EXIT_NOT_RUNNING
    try:
        text = json.dumps(merged, indent=2) + "\n" if args.json else render(merged, time.time())
    except (KeyError, TypeError, ValueError) as exc:  # a document this view does not know
        print(f"pyipvs-keepalived: cannot show this status ({exc!r}); try --json", file=err)
        return EXIT_NOT_RUNNING
    try:
        out.write(text)
        out.flush()
    except BrokenPipeError:  # ``--status | head``: the reader has what it wanted
        if out is sys.stdout:
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def gather(directory: Path, *, netns: str | None = None, read_ipvs: bool = True) -> dict[str, Any]:
    """The merged document: the VRRP child's ``vrrp``, the checker child's ``checkers``, the
    kernel's table read here (with the checker's operation counters), and ``sources`` saying
    where each came from."""
    docs: dict[str, dict[str, Any] | None] = {}
    sources: dict[str, dict[str, Any]] = {}
    for name, socket_name in (("vrrp", VRRP_SOCKET), ("check", CHECK_SOCKET)):
        path = directory / socket_name
        try:
            doc = read_status(path)
        except StatusUnavailable as exc:
            docs[name], sources[name] = None, {"socket": str(path), "error": str(exc)}
            continue
        if "error" in doc:  # the child answered, but could not make its document
            docs[name], sources[name] = (
                None,
                {"socket": str(path), "error": f"{path}: {doc['error']}"},
            )
            continue
        docs[name] = doc
        sources[name] = {
            "socket": str(path),
            "pid": doc.get("pid"),
            "generated": doc.get("generated"),
            "schema": doc.get("schema"),
        }
    vrrp_doc, check_doc = docs["vrrp"] or {}, docs["check"] or {}
    ipvs = _merged_ipvs(check_doc.get("ipvs"), netns if read_ipvs else None, read_ipvs)
    merged = document(vrrp=vrrp_doc.get("vrrp"), checkers=check_doc.get("checkers"), ipvs=ipvs)
    merged["sources"] = sources
    return merged


def _merged_ipvs(
    from_checker: dict[str, Any] | None, netns: str | None, read_ipvs: bool
) -> dict[str, Any] | None:
    counters = from_checker or {}
    section: dict[str, Any] = {
        "error": None,
        "services": counters.get("services"),
        "operations": counters.get("operations"),
        "errors": counters.get("errors"),
    }
    if read_ipvs:
        kernel = read_kernel_table(netns)
        section["error"] = kernel["error"]
        if kernel["services"] is not None or section["services"] is None:
            section["services"] = kernel["services"]
    return section


def read_kernel_table(netns: str | None = None) -> dict[str, Any]:
    """``{"error": ..., "services": ...}`` from the kernel, never raising: no ip_vs, no
    permission or no such namespace is an ``error`` string."""
    from pyipvs import Ipvs
    from pyipvs.daemon.state.checker import ipvs_section
    from pyipvs.errors import PyipvsError

    try:
        with Ipvs(netns) as ipvs:
            section = ipvs_section(ipvs.table())
    except (PyipvsError, OSError) as exc:
        return {"error": f"cannot read the IPVS table: {exc}", "services": None}
    return {"error": None, "services": section["services"]}
