# SPDX-License-Identifier: Apache-2.0
"""``pyipvs-keepalived``: keepalived's command line; for now the configuration check.

``-t`` exits as keepalived 2.2.7 does: 0 clean, 4 fatal, 5 configuration errors or warnings,
6 script security. Every problem is printed as ``file:line: message``; never a traceback.
"""

from __future__ import annotations

import argparse
import sys

EXIT_NOT_IMPLEMENTED = 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="pyipvs-keepalived", description="keepalived-compatible daemon (configuration check)"
    )
    parser.add_argument(
        "-t", "--config-test", action="store_true", help="check the configuration and exit"
    )
    parser.add_argument("-f", "--use-file", metavar="FILE", default=None, help="configuration file")
    parser.add_argument(
        "-i",
        "--config-id",
        metavar="ID",
        default=None,
        help="id for @ID lines (default: host name)",
    )
    parser.add_argument("--strict", action="store_true", help="treat every warning as an error")
    parser.add_argument(
        "--dump-config", action="store_true", help="print the resolved configuration as JSON"
    )
    return parser


def _run(args: argparse.Namespace) -> int:
    from pyipvs.config import DEFAULT_CONFIG, read_config, to_data
    from pyipvs.config.diagnostics import Severity

    path = DEFAULT_CONFIG if args.use_file is None else args.use_file
    result = read_config(path, config_id=args.config_id, check_interfaces=args.config_test)
    for diagnostic in result.diagnostics:
        print(diagnostic, file=sys.stderr)
    status = result.exit_status
    if args.dump_config and status != 4:
        import json

        json.dump(to_data(result.config), sys.stdout, indent=2)
        sys.stdout.write("\n")
    if args.config_test or args.dump_config:
        return status
    # What load_config refuses: a fatal problem, a failed include check, or with --strict any.
    refused = any(d.severity is Severity.INCLUDE for d in result.diagnostics)
    if status == 4 or refused or (args.strict and status != 0):
        return status
    print(
        "pyipvs-keepalived: the daemon is not implemented yet; use -t to check a configuration",
        file=sys.stderr,
    )
    return EXIT_NOT_IMPLEMENTED


def main(argv: list[str] | None = None) -> int:
    from pyipvs.daemon.check_main import wants_check_mode

    if wants_check_mode(sys.argv[1:] if argv is None else argv):  # -C: the checker subsystem
        from pyipvs.daemon import check_main

        return check_main.main(sys.argv[1:] if argv is None else argv)
    args = _parser().parse_args(argv)
    try:
        return _run(args)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # the promise is "never a traceback": report and exit fatal
        print(f"pyipvs-keepalived: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 4


if __name__ == "__main__":
    sys.exit(main())
