# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived`` as a daemon: keepalived 2.2.7's start-up sequence and process model.

The parent reads the configuration, refuses one keepalived would not start with (exit 6,
``KEEPALIVED_EXIT_NO_CONFIG``), enters ``-s``'s namespace, checks it is not already running,
detaches (unless ``-n``) and supervises its children. Which children run is keepalived's rule
(``running_vrrp`` / ``running_checker``): ``-P`` only VRRP, ``-C`` only the checkers, neither
flag both, and each only when the configuration has something for it (``vrrp_instance`` or
static addresses/routes/rules; ``virtual_server``), unless ``--all``. With ``--metrics`` (pyipvs
only) a third child serves both children's state to Prometheus, supervised as the others.

A reload (SIGHUP) is checked here first, in the parent: a new configuration with a fatal
problem, a failed include check or unbalanced braces (any problem with ``--strict``) is refused,
its problems logged as ``file:line: message``, and the children keep the old one. keepalived
instead lets each child apply what it could read (a truncated file drops what was cut off).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import platform
import shlex
import signal

from pyipvs import __version__
from pyipvs.config import KeepalivedConfig, ParseResult, Severity, read_config
from pyipvs.daemon import runtime
from pyipvs.daemon.checker_main import CHILD_NAME as CHECKER_NAME
from pyipvs.daemon.checker_main import SYSLOG_IDENT as CHECKER_IDENT
from pyipvs.daemon.checker_main import checker_child
from pyipvs.daemon.child import SIG_JSON, SIG_STATS_CLEAR, ChildSpec
from pyipvs.daemon.options import DEFAULT_CONFIG_FILE
from pyipvs.daemon.supervisor import Supervisor
from pyipvs.daemon.vrrp.main import SYSLOG_IDENT as VRRP_IDENT
from pyipvs.daemon.vrrp.main import vrrp_child

log = logging.getLogger("pyipvs.daemon")

EXIT_NO_CONFIG = 6
VRRP_NAME = "VRRP"
METRICS_NAME = "Metrics"
METRICS_IDENT = "pyipvs_metrics"
EXIT_METRICS_NOT_LISTENING = 3  # not one of keepalived's permanent statuses: retried later
DEFAULT_CHILD_WAIT = 5.0
_BRACE_WORDS = ("missing '}'s", "Extra '}'")
# What each child's entry imports when it starts (the parent imports it just before forking
# that child, see child.prepare_fork): forked after them, the children share those pages with
# the parent. Each list is imported only when its child starts, so a VRRP child forked first
# does not wait for the checkers' modules, and -P never loads them at all.
VRRP_PRELOAD = (
    "pyipvs.daemon.vrrp.build",
    "pyipvs.daemon.vrrp.process",
    "pyipvs.daemon.vrrp.state",
    "pyipvs.daemon.state.wiring",
)
CHECKER_PRELOAD = (
    "pyipvs.check",
    "pyipvs.daemon.check.from_config",
    "pyipvs.daemon.check.process",
    "pyipvs.daemon.state.checker",
    "pyipvs.daemon.state.wiring",
)
METRICS_PRELOAD = ("pyipvs.daemon.state.metrics_server", "pyipvs.daemon.state.view")


def refusal(result: ParseResult, *, strict: bool, reloading: bool) -> list[str]:
    """The problems that stop this configuration from being used, as ``file:line: message``;
    empty when it can run. At start: fatal problems and failed include checks (keepalived's
    rule), every problem with ``--strict``. At a reload also unbalanced braces: a file saved
    half-way must not replace a running configuration with what was read before the cut."""
    refused = {Severity.FATAL, Severity.INCLUDE}
    return [
        str(d)
        for d in result.diagnostics
        if strict
        or d.severity in refused
        or (reloading and any(word in d.message for word in _BRACE_WORDS))
    ]


def wants_vrrp(args: argparse.Namespace, config: KeepalivedConfig) -> bool:
    has_config = bool(
        config.vrrp_instances
        or config.static_ipaddress
        or config.static_routes
        or config.static_rules
    )
    return not args.check and (has_config or bool(args.all))


def wants_checker(args: argparse.Namespace, config: KeepalivedConfig) -> bool:
    return not args.vrrp and (bool(config.virtual_servers) or bool(args.all))


def child_specs(args: argparse.Namespace) -> dict[str, ChildSpec]:
    """Every child this daemon knows, by name; which of them run depends on the config."""
    extra = frozenset({int(signal.SIGUSR2), SIG_JSON, SIG_STATS_CLEAR})  # keepalived: VRRP only
    return {
        VRRP_NAME: ChildSpec(
            VRRP_NAME,
            vrrp_child,
            args.vrrp_pid,
            extra,
            VRRP_IDENT,
            reports_ready=True,
            preload=VRRP_PRELOAD,
        ),
        CHECKER_NAME: ChildSpec(
            CHECKER_NAME,
            checker_child,
            args.checkers_pid,
            ident=CHECKER_IDENT,
            reports_ready=True,
            preload=CHECKER_PRELOAD,
        ),
        METRICS_NAME: ChildSpec(
            METRICS_NAME, metrics_entry, ident=METRICS_IDENT, preload=METRICS_PRELOAD
        ),
    }


def metrics_entry(args: argparse.Namespace) -> int:
    """The metrics child: serves ``/metrics`` from the children's status sockets. A port that
    cannot be bound is retried at the respawn delays (the daemon goes on without metrics)."""
    from pyipvs.daemon.state.metrics_server import metrics_child
    from pyipvs.daemon.state.server import status_dir

    for signo in (signal.SIGHUP, signal.SIGUSR1):  # a reload or data dump is not its business
        signal.signal(signo, signal.SIG_IGN)
    host, port = args.metrics_address
    code = metrics_child(status_dir(), host, port)
    return EXIT_METRICS_NOT_LISTENING if code else 0


def wanted_children(args: argparse.Namespace, config: KeepalivedConfig) -> list[str]:
    names = [VRRP_NAME] if wants_vrrp(args, config) else []
    names = [*names, CHECKER_NAME] if wants_checker(args, config) else names
    return [*names, METRICS_NAME] if getattr(args, "metrics_address", None) else names


def network_namespace(option: str | None, config: KeepalivedConfig) -> str | None:
    """``-s NAME`` (``option``), else the file's top-level ``net_namespace NAME``."""
    from_file = next((w[0] for k, w in config.options if k == "net_namespace" and w), None)
    if option and from_file and option != from_file:
        log.info(
            "Overriding config net_namespace '%s' with command line namespace '%s'",
            from_file,
            option,
        )
    return option or from_file


def scope_status_dir(namespace: str) -> None:
    """A daemon in namespace NAME keeps its status sockets in ``/run/pyipvs-keepalived/NAME``
    (unless ``$PYIPVS_KEEPALIVED_STATUS_DIR`` says where), so that daemons in two namespaces
    of one host do not meet there; ``-s NAME --status`` looks there (as keepalived moves its
    default pid files under ``/run/keepalived/keepalived_NAME``)."""
    from pyipvs.daemon.state.server import STATUS_DIR_ENV

    os.environ.setdefault(STATUS_DIR_ENV, status_dir_for(namespace))


def status_dir_for(namespace: str) -> str:
    from pyipvs.daemon.state.server import DEFAULT_STATUS_DIR, STATUS_DIR_ENV

    return os.environ.get(STATUS_DIR_ENV) or os.path.join(DEFAULT_STATUS_DIR, namespace)


def child_wait_time(config: KeepalivedConfig) -> float:
    """``child_wait_time SECS`` (a top-level keyword): how long a stop waits for the children
    before SIGKILL; keepalived's default 5."""
    for keyword, words in config.options:
        if keyword == "child_wait_time" and words and words[0].isdigit():
            return float(words[0])
    return DEFAULT_CHILD_WAIT


def _read(args: argparse.Namespace, *, reloading: bool) -> KeepalivedConfig | None:
    """The configuration, or None with its refusing problems logged as ``file:line``."""
    result = read_config(args.use_file, config_id=args.config_id)
    problems = refusal(result, strict=bool(args.strict), reloading=reloading)
    if not problems:
        return result.config
    for problem in problems:
        log.error("%s", problem)
    log.error("Configuration %s cannot be used (%d problem(s))", args.use_file, len(problems))
    return None


def _logging_for(args: argparse.Namespace, ident: str) -> None:
    runtime.setup_logging(
        console=bool(args.log_console),
        detail=int(args.log_detail),
        facility=args.facility,
        use_syslog=not args.no_syslog,
        ident=ident,
    )


def _log_config(config: KeepalivedConfig) -> None:
    """``-d``: the resolved configuration, to the log (the model ``--dump-config`` prints)."""
    from pyipvs.config import to_data

    for line in json.dumps(to_data(config), indent=1).splitlines():
        log.info("%s", line)


def _log_start(argv: list[str], args: argparse.Namespace) -> None:
    log.info("Starting pyipvs-keepalived %s (keepalived v2.2.7 compatible)", __version__)
    log.info("Running on %s %s", platform.system(), platform.release())
    log.info("Command line: %s", shlex.join(["pyipvs-keepalived", *argv]))
    log.info("Configuration file %s", args.use_file)


def run(args: argparse.Namespace, argv: list[str]) -> int:
    """Runs the daemon from parsed options; the exit status of the process."""
    args.use_file = os.path.abspath(args.use_file or DEFAULT_CONFIG_FILE)
    _logging_for(args, runtime.PARENT_IDENT)
    _log_start(argv, args)
    config = _read(args, reloading=False)
    if config is None:
        return EXIT_NO_CONFIG
    if args.dump_conf:
        _log_config(config)
    option, namespace = args.namespace, network_namespace(args.namespace, config)
    args.namespace = namespace  # what the children see
    if namespace:
        try:
            runtime.enter_netns(namespace)
        except OSError as exc:
            log.error("Unable to set network namespace %s - exiting (%s)", namespace, exc)
            return EXIT_NO_CONFIG
        scope_status_dir(namespace)
    if runtime.running_pid(args.pid) is not None:
        log.info("daemon is already running")
        return 0
    if args.dont_fork:
        return _supervise(args, config, option)
    if not runtime.detach():
        return 0  # the process that started the daemon
    status = _supervise(args, config, option)
    logging.shutdown()
    os._exit(status)  # the detached daemon never returns into its caller's stack


def _supervise(args: argparse.Namespace, config: KeepalivedConfig, option: str | None) -> int:
    specs = child_specs(args)

    def reload_check() -> list[str] | None:
        new = _read(args, reloading=True)
        if new is None:
            return None
        if network_namespace(option, new) != args.namespace:  # args.namespace: the running one
            log.error("Cannot change network namespace at a reload - please restart")
            return None
        return wanted_children(args, new)

    def in_child(spec: ChildSpec) -> None:
        _logging_for(args, spec.ident)

    supervisor = Supervisor(
        args,
        specs.values(),
        start=wanted_children(args, config),
        respawn=not args.dont_respawn,
        pid_file=args.pid,
        reload_check=reload_check,
        in_child=in_child,
        child_wait=child_wait_time(config),
    )
    status = supervisor.run()
    log.info("Stopped pyipvs-keepalived %s", __version__)
    return status
