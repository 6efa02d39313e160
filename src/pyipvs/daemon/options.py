# SPDX-License-Identifier: Apache-2.0
"""keepalived 2.2.7's command line, option for option.

Every option the Debian build of keepalived 2.2.7 takes is accepted under its short and long
spelling (``keepalived --help``; ``keepalived/core/main.c`` ``parse_cmdline``), and the problems
keepalived reports are reported with its words and exit status: ``Unknown option -Z`` and
``Missing parameter for option --use-file`` exit 1, ``Unexpected argument(s): ...`` is printed
on stdout and the daemon goes on, an invalid ``-S`` facility or ``-u`` umask is reported and
ignored. ``--strict``, ``--dump-config``, ``--plan``, ``--json``, ``--status`` and
``--metrics`` are pyipvs's own.
"""

from __future__ import annotations

import argparse
import signal
import sys
from collections.abc import Sequence

from pyipvs import __version__

DEFAULT_CONFIG_FILE = "/etc/keepalived/keepalived.conf"
DEFAULT_PID = "/run/keepalived.pid"
DEFAULT_VRRP_PID = "/run/vrrp.pid"
DEFAULT_CHECKERS_PID = "/run/checkers.pid"
DEFAULT_BFD_PID = "/run/bfd.pid"
EXIT_BAD_OPTION = 1

# keepalived's SIGFUNC names (``get_signum``): STATS_CLEAR is SIGRTMAX - 1 and JSON SIGRTMIN + 2
# on Linux, which ``keepalived --signum`` prints as 63 and 36 on this build.
SIGNUMS: dict[str, int] = {
    "STOP": int(signal.SIGTERM),
    "RELOAD": int(signal.SIGHUP),
    "DATA": int(signal.SIGUSR1),
    "STATS": int(signal.SIGUSR2),
    "STATS_CLEAR": int(signal.SIGRTMAX) - 1,
    "JSON": int(signal.SIGRTMIN) + 2,
}

# (short, long, dest, takes an argument, help); None for an option with one spelling only.
_FLAGS: tuple[tuple[str | None, str, str, str], ...] = (
    ("-P", "--vrrp", "vrrp", "Only run with VRRP subsystem"),
    ("-C", "--check", "check", "Only run with Health-checker subsystem"),
    ("-B", "--no_bfd", "no_bfd", "Don't run BFD subsystem"),
    (None, "--all", "all", "Force all child processes to run, even if have no configuration"),
    ("-l", "--log-console", "log_console", "Log messages to local console"),
    ("-G", "--no-syslog", "no_syslog", "Don't log via syslog"),
    ("-X", "--release-vips", "release_vips", "Drop VIP on transition from signal."),
    ("-V", "--dont-release-vrrp", "dont_release_vrrp", "Don't remove VRRP VIPs on daemon stop"),
    ("-I", "--dont-release-ipvs", "dont_release_ipvs", "Don't remove IPVS topology on stop"),
    ("-R", "--dont-respawn", "dont_respawn", "Don't respawn child processes"),
    ("-n", "--dont-fork", "dont_fork", "Don't fork the daemon process"),
    ("-d", "--dump-conf", "dump_conf", "Dump the configuration data"),
    ("-T", "--genhash", "genhash", "Enter into genhash utility mode (the first option)"),
    ("-a", "--address-monitoring", "address_monitoring", "Report address changes (netlink)"),
    ("-x", "--snmp", "snmp", "Enable SNMP subsystem"),
    ("-m", "--core-dump", "core_dump", "Produce core dump if terminate abnormally"),
    ("-e", "--all-config", "all_config", "Error if any configuration file missing"),
    ("-v", "--version", "version", "Display the version number"),
    ("-h", "--help", "help", "Display this help message"),
    (None, "--strict", "strict", "pyipvs: refuse a configuration with any warning"),
    (None, "--dump-config", "dump_config", "pyipvs: print the resolved configuration as JSON"),
    (None, "--plan", "plan", "pyipvs: print the IPVS operations the file would make, change none"),
    (None, "--json", "json", "pyipvs: --plan's operations as JSON"),
    (None, "--status", "status", "pyipvs: show the running daemon's state (--status -h)"),
)
_VALUED: tuple[tuple[str | None, str, str, str | None, str], ...] = (
    ("-f", "--use-file", "use_file", None, "Use the specified configuration file"),
    ("-S", "--log-facility", "log_facility", "daemon", "Syslog facility: 0-7, local0-7, user"),
    ("-u", "--umask", "umask", None, "umask for file creation (in numeric form)"),
    ("-p", "--pid", "pid", DEFAULT_PID, "Use specified pidfile for parent process"),
    ("-r", "--vrrp_pid", "vrrp_pid", DEFAULT_VRRP_PID, "pidfile for VRRP child process"),
    ("-c", "--checkers_pid", "checkers_pid", DEFAULT_CHECKERS_PID, "pidfile for checkers child"),
    ("-b", "--bfd_pid", "bfd_pid", DEFAULT_BFD_PID, "pidfile for BFD child process"),
    ("-A", "--snmp-agent-socket", "snmp_agent_socket", None, "socket for the SNMP master agent"),
    ("-s", "--namespace", "namespace", None, "Run in network namespace NAME"),
    ("-i", "--config-id", "config_id", None, "Skip '@' lines that don't match id"),
    (None, "--signum", "signum", None, "Print the number of STOP, RELOAD, DATA, STATS, JSON, ..."),
    (None, "--config-fd", "config_fd", None, argparse.SUPPRESS),
)
# Optional arguments: getopt takes them only attached (-tFILE, --config-test=FILE).
_OPTIONAL: tuple[tuple[str | None, str, str, str], ...] = (
    ("-t", "--config-test", "config_test", "Check the configuration for obvious errors"),
    ("-M", "--core-dump-pattern", "core_dump_pattern", "Also set core_pattern to PATN"),
    ("-g", "--log-file", "log_file", "Log to FILE (keepalived needs --enable-log-file)"),
    (None, "--metrics", "metrics", "pyipvs: serve Prometheus metrics on [HOST:]PORT"),
)
STATUS_OPTION = "--status"
DEFAULT_METRICS_HOST = "127.0.0.1"
DEFAULT_METRICS_PORT = 9650  # pyipvs's own choice, unassigned in Prometheus's port list


class OptionError(Exception):
    """A command line keepalived refuses; the message is keepalived's."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]  # raise, never exit
        raise OptionError(message)


def build_parser() -> argparse.ArgumentParser:
    """The parser; ``-t``, ``-M`` and ``-g`` are flags here (their attached value is split off
    by :func:`parse_options` first, as getopt does)."""
    parser = _Parser(prog="pyipvs-keepalived", add_help=False, allow_abbrev=True)
    add = parser.add_argument
    for short, long, dest, text in _FLAGS:
        add(*[s for s in (short, long) if s], dest=dest, action="store_true", help=text)
    add("-D", "--log-detail", dest="log_detail", action="count", default=0, help="Detailed logs")
    for short, long, dest, default, text in _VALUED:
        names = [s for s in (short, long) if s]
        add(*names, dest=dest, default=default, metavar=dest.upper(), help=text)
    for short, long, dest, text in _OPTIONAL:
        add(*[s for s in (short, long) if s], dest=dest, action="store_true", help=text)
    add("rest", nargs="*", help=argparse.SUPPRESS)
    return parser


def _split_optional_values(argv: Sequence[str]) -> tuple[list[str], dict[str, str]]:
    """``-tFILE`` / ``--config-test=FILE`` become ``-t`` plus a value (getopt's ``t::``)."""
    out: list[str] = []
    values: dict[str, str] = {}
    for word in argv:
        for short, long, dest, _text in _OPTIONAL:
            if word.startswith(long + "="):
                values[dest] = word[len(long) + 1 :]
                word = long
            elif short and word.startswith(short) and len(word) > 2 and not word.startswith("--"):
                values[dest] = word[2:]
                word = short
        out.append(word)
    return out, values


def _empty_long_value(argv: Sequence[str]) -> str | None:
    """keepalived refuses ``--use-file=`` (an empty attached value) as a missing parameter."""
    for word in argv:
        if word == "--":
            return None
        for _short, long, _dest, _default, _text in _VALUED:
            if word == long + "=":
                return long
    return None


def _keepalived_words(message: str, argv: Sequence[str]) -> str:
    """argparse's message in keepalived's words, naming the option as the user spelled it."""
    if "expected one argument" in message:
        names = message.split(":")[0].removeprefix("argument ").split("/")
        used = next((w for w in reversed(argv) if w in names), names[0])
        return f"Missing parameter for option {used}"
    if message.startswith("ambiguous option: "):  # getopt_long: '?', keepalived: unknown
        return f"Unknown option {message.split()[2]}"
    if "ignored explicit argument" in message:
        letter = message.rsplit("'", 2)[-2][:1]
        return f"Unknown option -{letter}"
    return message


def _keepalived_longs() -> list[str]:
    """keepalived's own long options (pyipvs's are those whose help starts ``pyipvs:``)."""
    table = [(long, text) for _s, long, _d, text in (*_FLAGS, *_OPTIONAL)]
    table += [(long, text) for _s, long, _d, _v, text in _VALUED]
    table.append(("--log-detail", ""))
    return [long for long, text in table if not text.startswith("pyipvs:")]


def _expand_keepalived_prefix(word: str, longs: Sequence[str]) -> str:
    """A prefix keepalived's getopt resolves (``--p`` is ``--pid``) stays keepalived's, even
    where a pyipvs-only option (``--plan``) would make it ambiguous."""
    if not word.startswith("--") or word == "--":
        return word
    name, equal, value = word.partition("=")
    if name in longs:
        return word
    matches = [long for long in longs if long.startswith(name)]
    return matches[0] + equal + value if len(matches) == 1 else word


def parse_options(argv: Sequence[str]) -> argparse.Namespace:
    """keepalived's options from ``argv``; :class:`OptionError` with keepalived's message."""
    longs = _keepalived_longs()
    end = list(argv).index("--") if "--" in argv else len(argv)  # getopt stops at "--"
    argv = [*(_expand_keepalived_prefix(w, longs) for w in argv[:end]), *argv[end:]]
    words, optional_values = _split_optional_values(argv)
    empty = _empty_long_value(words)
    if empty:
        raise OptionError(f"Missing parameter for option {empty}")
    try:
        args, unknown = build_parser().parse_known_args(words)
    except OptionError as exc:
        raise OptionError(_keepalived_words(str(exc), words)) from None
    for word in unknown:
        if word.startswith("-") and word != "-":
            raise OptionError(f"Unknown option {word}")
    for _short, _long, dest, _text in _OPTIONAL:
        value = optional_values.get(dest)
        setattr(args, dest, value if value is not None else getattr(args, dest))
    args.rest = [*args.rest, *(w for w in unknown if not w.startswith("-") or w == "-")]
    return args


def parse_umask(text: str) -> int | None:
    """``-u``: strtoll base 0 (``022`` octal, ``0x12`` hex, ``18`` decimal), permission bits
    only; None when keepalived would print ``Invalid --umask option``."""
    body = text.strip()
    negative = body.startswith("-")
    digits = body.lstrip("+-").lower()
    base = 16 if digits.startswith("0x") else 8 if digits.startswith("0") and digits != "0" else 10
    if base == 16:
        digits = digits[2:]
    try:
        value = int(digits, base)
    except ValueError:
        return None
    if negative or value & ~0o777:
        return None
    return value


def parse_metrics(value: str | bool) -> tuple[str, int]:
    """``--metrics`` (True: 127.0.0.1 and :data:`DEFAULT_METRICS_PORT`), ``--metrics=PORT``,
    ``--metrics=HOST:PORT`` or ``--metrics=[V6]:PORT``; :class:`OptionError` naming the value."""
    if value is True or value == "":
        return DEFAULT_METRICS_HOST, DEFAULT_METRICS_PORT
    text = str(value)
    host, colon, port = text.rpartition(":")
    if not colon:
        host = DEFAULT_METRICS_HOST
    elif host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    elif ":" in host:  # an IPv6 address without brackets: which colon ends it is a guess
        host = ""
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise OptionError(f"Invalid --metrics option {text} (expected [HOST:]PORT)")
    return host, int(port)


def usage_text() -> str:
    """The ``-h`` text (keepalived prints its usage on stderr and exits 0)."""
    return build_parser().format_help()


def version_text() -> str:
    return (
        f"pyipvs-keepalived {__version__} (keepalived v2.2.7 compatible)\n\n"
        "Processes: VRRP child (-P), health-checker child (-C); no BFD, no SNMP\n"
    )


def signum_of(name: str) -> int | None:
    """``--signum NAME``: the number keepalived prints, or None (``Unknown sigfunc NAME``)."""
    return SIGNUMS.get(name)


def report_problem(message: str) -> int:
    print(message, file=sys.stderr)
    return EXIT_BAD_OPTION
