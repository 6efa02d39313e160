# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-lab``: the seed scenario end to end, live in the terminal or as JSON.

Builds client, lb1, lb2, rs1 and rs2 in network namespaces, runs keepalived 2.2.7 or
pyipvs-keepalived on the load balancers with the seed's keepalived.conf, and goes through the
phases of :mod:`pyipvs.lab.scenario`. Exit statuses: 0 every phase did what the config
promises, 1 a phase did not (the summary says which), 2 usage or environment (no root, no
ip_vs), 3 the lab could not be built."""

from __future__ import annotations

import argparse
import json
import os
import platform
import signal
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from pyipvs.lab import seed
from pyipvs.lab.bounds import bounds_of
from pyipvs.lab.daemons import DAEMONS, daemon_version
from pyipvs.lab.lab import Lab, LabError
from pyipvs.lab.observe import Observer
from pyipvs.lab.scenario import STEPS, Scenario
from pyipvs.lab.seed import LOAD_BALANCERS
from pyipvs.lab.summary import judge, summary_lines
from pyipvs.lab.topology import TopologyError
from pyipvs.lab.view import Progress, Screen, frame

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_BUILD = 0, 1, 2, 3
DEFAULT_DAEMON = "pyipvs"
MAX_REQUESTS = 150  # client addresses 10.0.0.100 to 10.0.0.249


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pyipvs-lab",
        description="The seed scenario (lb1/lb2, rs1/rs2, VIP 10.0.0.5) in network namespaces, "
        "with real traffic, a failover, a dead real server and the sorry server.",
    )
    p.add_argument("--daemon", type=daemon_pair, default=DEFAULT_DAEMON, metavar="NAME[,NAME]",
                   help=f"what runs on lb1 and lb2: {' or '.join(DAEMONS)}, or one for each, "
                   f"e.g. pyipvs,keepalived (default: {DEFAULT_DAEMON})")  # fmt: skip
    p.add_argument("--scenario", default=",".join(STEPS), metavar="STEPS",
                   help="comma-separated steps after start (default: %(default)s)")  # fmt: skip
    p.add_argument("--json", action="store_true",
                   help="one JSON document per phase on stdout, no terminal view")  # fmt: skip
    view = p.add_mutually_exclusive_group()
    view.add_argument("--live", dest="live", action="store_true", default=None,
                      help="redraw the view in place (default: on a terminal)")  # fmt: skip
    view.add_argument("--plain", dest="live", action="store_false",
                      help="events as lines, the whole view at the end of each phase")  # fmt: skip
    p.add_argument("--requests", type=whole(1, MAX_REQUESTS), default=56, metavar="N",
                   help="requests for the split, one per client address (default 56)")  # fmt: skip
    p.add_argument("--delay-loop", type=whole(1, 3600), metavar="SECONDS",
                   help="check every SECONDS instead of the seed's delay_loop 30")  # fmt: skip
    p.add_argument("--workdir", type=Path, metavar="DIR",
                   help="keep the run's configs, logs and pid files in DIR (new or empty; "
                   "default: a temporary directory)")  # fmt: skip
    p.add_argument("--active-active", action="store_true",
                   help="instead of the seed: a router with ECMP over three directors "
                   "announcing by BGP (BIRD 2), two real servers, a client; "
                   "one director dies")  # fmt: skip
    p.add_argument("--no-sync", action="store_true",
                   help="--active-active without the IPVS sync daemon between "
                   "directors")  # fmt: skip
    p.add_argument("--show-config", action="store_true",
                   help="print both keepalived.conf files and the edits, and exit")  # fmt: skip
    return p


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def daemon_pair(text: str) -> dict[str, str]:
    """``keepalived``, ``pyipvs``, or ``LB1,LB2`` (a mixed pair): load balancer -> daemon."""
    names = text.split(",")
    if len(names) == 1:
        names *= 2
    if len(names) != 2 or not set(names) <= set(DAEMONS):
        raise argparse.ArgumentTypeError(
            f"{' or '.join(DAEMONS)}, or two of them for lb1,lb2; not {text!r}"
        )
    return dict(zip(LOAD_BALANCERS, names, strict=True))


def whole(low: int, high: int) -> Callable[[str], int]:
    """An argparse type: a whole number from ``low`` to ``high``."""

    def parse(text: str) -> int:
        value = int(text) if text.isdigit() else low - 1
        if not low <= value <= high:
            raise argparse.ArgumentTypeError(f"a whole number from {low} to {high}, not {text!r}")
        return value

    return parse


def steps_of(text: str) -> list[str]:
    steps = [s.strip() for s in text.split(",") if s.strip()]
    unknown = [s for s in steps if s not in STEPS]
    if unknown:
        raise ValueError(f"--scenario: unknown step {unknown[0]!r} (steps: {', '.join(STEPS)})")
    return [s for s in STEPS if s in steps]  # the scenario's order, whatever the order given


def show_config(delay_loop: int | None) -> None:
    for lb in seed.LOAD_BALANCERS:
        print(f"# {lb}: the seed's keepalived.conf with these edits")
        for edit in seed.edits(lb, "<rs2's digest>", f"<run>/{lb}", delay_loop):
            print(f"#   - {edit.why}")
        print(seed.render(lb, "<rs2's digest>", f"<run>/{lb}", delay_loop))


def environment_problem() -> str | None:
    if os.geteuid() != 0:
        return "needs root (network namespaces, IPVS)"
    if not Path("/proc/net/ip_vs").exists():
        return (
            f"kernel {platform.release()} has no ip_vs loaded (modprobe ip_vs); where it "
            "has none, run the lab in User-Mode Linux: scripts/demo.sh, or "
            "scripts/kernel-tier.sh -- .venv/bin/pyipvs-lab"
        )
    return None


def main(argv: Sequence[str] | None = None) -> int:
    try:
        return _main(argv)
    except BrokenPipeError:  # stdout closed early (| head): the rest is lost, as with stdio
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_FAILED


def _main(argv: Sequence[str] | None) -> int:
    args = parser().parse_args(argv)
    try:
        steps = steps_of(args.scenario)
    except ValueError as exc:
        print(f"pyipvs-lab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.show_config:
        show_config(args.delay_loop)
        return EXIT_OK
    problem = environment_problem()
    if problem:
        print(f"pyipvs-lab: {problem}", file=sys.stderr)
        return EXIT_USAGE
    signal.signal(signal.SIGTERM, _interrupt)  # taken down as after Ctrl-C
    if args.active_active:
        return run_active_active(args)
    live = args.live
    if live is None:
        live = sys.stdout.isatty() and os.environ.get("TERM") != "dumb"
    return run(args, steps, live and not args.json)


def run_active_active(args: argparse.Namespace) -> int:
    import tempfile

    from pyipvs.lab import aa_scenario

    if args.workdir is not None:
        args.workdir.mkdir(parents=True, exist_ok=True)
        return aa_scenario.run(args.workdir, not args.no_sync, args.json)
    with tempfile.TemporaryDirectory(prefix="pyipvs-lab-aa-") as name:
        return aa_scenario.run(Path(name), not args.no_sync, args.json)


def describe_daemons(daemons: dict[str, str]) -> str:
    versions = {lb: daemon_version(kind) for lb, kind in daemons.items()}
    if len(set(versions.values())) == 1:
        return f"{versions['lb1']} on lb1 and lb2"
    return ", ".join(f"{v} on {lb}" for lb, v in versions.items())


def built_lab(args: argparse.Namespace) -> Lab | int:
    """The lab, built; or the exit status, the reason said on stderr."""
    try:
        lab = Lab(args.daemon, args.requests, args.delay_loop, args.workdir)
    except (LabError, OSError) as exc:
        print(f"pyipvs-lab: {exc}", file=sys.stderr)
        return EXIT_USAGE
    try:
        lab.build()
    except (LabError, TopologyError, OSError, subprocess.SubprocessError, KeyboardInterrupt) as exc:
        lab.close()
        print(f"pyipvs-lab: the lab could not be built: {exc}", file=sys.stderr)
        return EXIT_BUILD
    return lab


def run(args: argparse.Namespace, steps: list[str], live: bool) -> int:
    version = describe_daemons(args.daemon)
    progress = Progress(f"pyipvs-lab: the seed scenario, {version}, kernel {platform.release()}")
    lab = built_lab(args)
    if isinstance(lab, int):
        return lab
    observer = Observer(lab.notify_log, lambda lb: lab.daemons[lb].running())
    observer.mark(f"lab: built; configs, logs, pid files in {lab.directory}")
    observer.mark(f"lab: rs2's page digest (pyipvs-genhash): {lab.digest}")
    observer.start()
    screen = Screen(
        lambda: (frame(progress, *observer.snapshot(), observer.now()), observer.snapshot()[1]),
        live,
    )
    if not args.json:
        screen.start()
    scenario = Scenario(lab, observer, bounds_of(lab.configs["lb2"]), progress)
    documents: list[dict[str, Any]] = []
    try:
        failure = run_phases(scenario, steps, documents, lambda d: emit(d, args.json, screen))
    finally:
        screen.stop()
        observer.stop()
        scenario.close()
        lab.close()
    verdicts = judge(documents, failure)
    if args.json:
        kinds = ",".join(dict.fromkeys(args.daemon[lb] for lb in LOAD_BALANCERS))
        summary = {"phase": "summary", "daemon": version, "daemon_kind": kinds}
        print(json.dumps({**summary, "verdicts": verdicts}), flush=True)
    else:
        progress.phase, progress.doing = ("FAILED", failure) if failure else ("done", "")
        if live or failure:
            screen.show()
        if live:  # the redraws wiped what was printed during the run
            for document in documents:
                print_listing(document)
        print("\n".join(summary_lines(verdicts, lab.directory)))
    return EXIT_OK if all(v["ok"] for v in verdicts) else EXIT_FAILED


def run_phases(
    scenario: Scenario,
    steps: list[str],
    documents: list[dict[str, Any]],
    emit: Callable[[dict[str, Any]], None],
) -> str:
    """Runs start and ``steps``, appending each document; the failure in words, or ``""``."""
    failure = ""
    try:
        for step in ["start", *steps]:
            document = scenario.start() if step == "start" else scenario.run(step)
            documents.append(document)
            emit(document)
    except LabError as exc:
        failure = str(exc)
    except KeyboardInterrupt:
        failure = "interrupted"
    except Exception as exc:  # a bug of the lab's: said in one line, the lab still taken down
        failure = f"{type(exc).__name__}: {exc}"
    if failure:
        scenario.observer.mark(f"lab: FAILED: {failure}")
    return failure


def emit(document: dict[str, Any], as_json: bool, screen: Screen) -> None:
    if as_json:
        print(json.dumps(document), flush=True)
    else:
        screen.show()
        if not screen.live:
            print_listing(document)


def print_listing(document: dict[str, Any]) -> None:
    """The listing phase's two outputs, one after the other, and whether they are the same."""
    if document["phase"] == "listing":
        where = f"on {document['master']}, after the split"
        print(f"=== pyipvsadm -L -n {where}\n" + document["pyipvsadm"], end="")
        print(f"=== ipvsadm -L -n {where} (the real ipvsadm 1.31)\n" + document["ipvsadm"], end="")
        print("identical: " + ("yes (byte for byte)" if document["identical"] else "NO") + "\n")


if __name__ == "__main__":
    sys.exit(main())
