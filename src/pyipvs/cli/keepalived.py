# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived``: keepalived 2.2.7's command line.

``-t`` checks the configuration and exits as keepalived 2.2.7 does: 0 clean, 4 fatal, 5
configuration errors or warnings, 6 script security, every problem printed as
``file:line: message``. ``--dump-config`` prints the resolved model as JSON. ``-T`` is genhash.
pyipvs's own: ``--plan`` prints the IPVS operations the file would make against the live table
(:func:`pyipvs.daemon.plan.plan_main`), ``--status [OPTIONS]`` shows the running daemon's
state (:func:`pyipvs.daemon.state.view.status_main`, the words after it are its options).
Anything else runs the daemon (:mod:`pyipvs.daemon.main`). A bad option is named with
keepalived's words and exits 1; never a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from collections.abc import Iterator
from typing import TextIO

from pyipvs.daemon import options
from pyipvs.daemon.options import OptionError

EXIT_FAILURE = 1
_GENHASH = ("-T", "--genhash")


@contextlib.contextmanager
def _test_output(target: object) -> Iterator[TextIO]:
    """``-t FILE`` appends the diagnostics to FILE (keepalived opens it O_APPEND|O_CREAT)."""
    if not isinstance(target, str):
        yield sys.stderr
        return
    with open(target, "a", encoding="utf-8") as handle:
        yield handle


def _check_config(args: argparse.Namespace) -> int:
    from pyipvs.config import DEFAULT_CONFIG, read_config, to_data

    path = DEFAULT_CONFIG if args.use_file is None else args.use_file
    result = read_config(path, config_id=args.config_id, check_interfaces=bool(args.config_test))
    with _test_output(args.config_test) as out:
        for diagnostic in result.diagnostics:
            print(diagnostic, file=out)
    status = result.exit_status
    if args.dump_config and status != 4:
        import json

        json.dump(to_data(result.config), sys.stdout, indent=2)
        sys.stdout.write("\n")
    return status


def _genhash(arguments: list[str]) -> int:
    """``keepalived -T ...``: genhash mode; options before ``-T`` are ignored, as keepalived."""
    from pyipvs.cli import genhash

    at = next(i for i, word in enumerate(arguments) if word in _GENHASH)
    if at:
        print(f"Warning -- `{arguments[at]}` not used as first option, previous options ignored")
    return genhash.main(arguments[at + 1 :])


def _first_of(arguments: list[str], *names: str) -> str | None:
    """Which of ``names`` (flags, also inside a short cluster) comes first in ``arguments``."""
    for word in arguments:
        if word == "--":
            return None
        for name in names:
            short = len(name) == 2
            if word == name or (short and word[:1] == "-" and word[1:2] != "-" and name[1] in word):
                return name
    return None


def _immediate(args: argparse.Namespace, arguments: list[str]) -> int | None:
    """Options that answer and exit (-h, -v, --signum, -g), in keepalived's order."""
    first = (
        _first_of(arguments, "-h", "--help", "-v", "--version")
        if args.help or args.version
        else None
    )
    if first in ("-h", "--help"):
        print(options.usage_text(), file=sys.stderr, end="")
        return 0
    if first in ("-v", "--version"):
        print(options.version_text(), file=sys.stderr, end="")
        return 0
    if args.signum is not None:
        number = options.signum_of(args.signum)
        if number is None:
            print(f"Unknown sigfunc {args.signum}", file=sys.stderr)
            return EXIT_FAILURE
        print(number)
        return 0
    if args.log_file:
        # The Debian build of keepalived 2.2.7 is configured without --enable-log-file.
        print("-g requires configure option --enable-log-file", file=sys.stderr)
        return EXIT_FAILURE
    return None


def _settle(args: argparse.Namespace) -> None:
    """The problems keepalived reports and goes on with: extra words, -S, -u."""
    from pyipvs.daemon.runtime import parse_facility

    if args.rest:
        print("Unexpected argument(s): " + "".join(f"{word} " for word in args.rest))
    facility = parse_facility(args.log_facility)
    if facility is None:
        print(f"Invalid log facility '{args.log_facility}'", file=sys.stderr)
        facility = parse_facility("daemon")
    args.facility = facility
    if args.umask is not None:
        mask = options.parse_umask(args.umask)
        if mask is None:
            print(f"Invalid --umask option {args.umask}", file=sys.stderr)
        else:
            os.umask(mask)


def _status(args: argparse.Namespace, words: list[str]) -> int:
    """``--status``: *words* (those after it) are status_main's own options; ``-s NAME`` and
    ``--json`` before it are passed on as ``--netns NAME`` (and the daemon's status directory
    in NAME, :func:`~pyipvs.daemon.main.status_dir_for`) and ``--json``."""
    from pyipvs.daemon.main import status_dir_for
    from pyipvs.daemon.state.view import status_main

    extra = ["--netns", args.namespace] if args.namespace and "--netns" not in words else []
    if args.namespace and "--status-dir" not in words:
        extra += ["--status-dir", status_dir_for(args.namespace)]
    extra += ["--json"] if args.json and "--json" not in words else []
    return status_main([*extra, *words])  # an option given after --status wins


def _plan(args: argparse.Namespace) -> int:
    """``--plan``: against the table of the namespace the daemon would run in (``-s``, else
    the file's ``net_namespace``)."""
    from pyipvs.config import DEFAULT_CONFIG, read_config
    from pyipvs.daemon.main import network_namespace
    from pyipvs.daemon.plan import plan_main

    if args.namespace is None:
        config = read_config(args.use_file or DEFAULT_CONFIG, config_id=args.config_id).config
        args.namespace = network_namespace(None, config)
    return plan_main(args)


def _main(arguments: list[str]) -> int:
    if any(word in _GENHASH for word in arguments):
        return _genhash(arguments)
    status_words: list[str] = []
    if options.STATUS_OPTION in arguments:
        at = arguments.index(options.STATUS_OPTION)
        arguments, status_words = arguments[: at + 1], arguments[at + 1 :]
    try:
        args = options.parse_options(arguments)
        args.metrics_address = options.parse_metrics(args.metrics) if args.metrics else None
    except OptionError as exc:
        return options.report_problem(str(exc))
    answered = _immediate(args, arguments)
    if answered is not None:
        return answered
    if args.status:
        return _status(args, status_words)
    _settle(args)
    if args.plan:
        return _plan(args)
    if args.config_test or args.dump_config:
        return _check_config(args)
    from pyipvs.daemon.main import run

    return run(args, arguments)


def main(argv: list[str] | None = None) -> int:
    try:
        return _main(sys.argv[1:] if argv is None else list(argv))
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise is "never a traceback": report and exit fatal
        print(f"pyipvs-keepalived: {type(exc).__name__}: {exc}", file=sys.stderr)
        return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
