# SPDX-License-Identifier: Apache-2.0
"""``pyipvsadm``: a drop-in ipvsadm 1.31 on top of :class:`pyipvs.Ipvs`.

The command line, the messages, the exit statuses and every listing match ipvsadm 1.31 byte for
byte (the program name in messages is this program's ``argv[0]``, as ipvsadm uses its own);
the deliberate differences are listed in docs/reference/pyipvsadm.rst. Only what a command
needs is imported: the kernel binding is loaded on first use, so ``-h`` and argument errors
never touch it.
"""

from __future__ import annotations

import gc
import sys

TYPE_CHECKING = False  # typing is not imported at run time: start-up cost
if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import TextIO

    from pyipvs.cli.ipvsadm.options import Invocation
    from pyipvs.ipvs.handle import Ipvs

# Everything else is imported where it is used: a single change in its plainest spelling
# (pyipvs.cli.ipvsadm.oneshot) is done before the parser, the model or the handle is loaded.


def parse_argv(
    argv: Sequence[str], program: str, stdout: TextIO, stderr: TextIO
) -> Invocation | int:
    """The command line (without the program name) parsed, or the exit status of one that
    ends here: ``-h``, ``-v`` or a usage error."""
    from pyipvs.cli.ipvsadm.help import usage
    from pyipvs.cli.ipvsadm.options import (
        VERSION_LINE,
        HelpRequested,
        Invocation,
        LineError,
        VersionRequested,
        parse,
    )

    if not argv:
        return Invocation("list")
    try:
        return parse(argv, program)
    except HelpRequested:
        stdout.write(usage(program))
        return 0
    except VersionRequested:
        stdout.write(VERSION_LINE + "\n")
        return 0
    except LineError as exc:
        stderr.write(exc.text)
        return 255


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
    from pyipvs.cli.ipvsadm.options import CliExit

    try:
        inv = parse_argv(argv, program, stdout, stderr)
        if isinstance(inv, int):
            return inv
        # The commands bring the kernel binding, which a command line that only asks for
        # help or a version, or gets a usage error, never needs.
        from pyipvs.cli.ipvsadm import commands

        return commands.execute(inv, program, stdout, stderr, ipvs, stdin) & 0xFF
    except CliExit as exc:
        (stdout if exc.to_stdout else stderr).write(exc.text)
        return exc.status


def main(argv: Sequence[str] | None = None) -> int:
    """The ``pyipvsadm`` console script."""
    # A pyipvsadm process makes no reference cycles worth collecting, and the collector's
    # passes over a growing table or batch cost more than the work (a third of a 50,000-line
    # listing's conversion, measured in User-Mode Linux).
    gc.disable()
    args = list(sys.argv[1:] if argv is None else argv)
    from pyipvs.cli.ipvsadm import oneshot

    if oneshot.run(args):  # done, silently, as ipvsadm on success
        return 0
    text = oneshot.listing(args)  # the plain -L -n, made in C; None: the full path
    done = (text, "", 0) if text is not None else None
    stdin: TextIO | None = None  # the full path's input, when -R below has read it
    if done is None and args == ["-R"]:
        done, stdin = _restore_at_once()
    import os

    from pyipvs.cli.ipvsadm.streams import standard_streams

    program = sys.argv[0] if sys.argv and sys.argv[0] else "pyipvsadm"
    std_in, stdout, stderr = standard_streams()
    try:
        if done is not None:
            stdout.write(done[0])
            stderr.write(done[1])
            status = done[2]
        else:
            source = std_in if stdin is None else stdin
            status = execute(args, program, stdout, stderr, stdin=source)
        stdout.flush()
        stderr.flush()
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        status = 0
    # What stdio could not write is lost (closed or full streams, as ipvsadm); Python's own
    # flush at exit must not report it again.
    for stream in (sys.stdout, sys.stderr):
        if stream is not None:
            _discard_pending(stream)
    return status


def _restore_at_once() -> tuple[tuple[str, str, int] | None, TextIO | None]:
    """``-R`` whose every line is a one-shot shape, as one batch: ((stdout, stderr, status),
    None), or (None, the input for the full path). ipvsadm's ipvs_init comes first, as on the
    full path: if it fails, the input is left unread for the full path to report it."""
    from pyipvs._bindings.ipvs_once import Restore
    from pyipvs.cli.ipvsadm import oneshot

    source = sys.stdin
    raw = getattr(source, "buffer", None)
    handle = Restore()
    if raw is None or not handle.open():
        return None, None
    data = raw.read()
    try:  # what sys.stdin's decoder and newline translation would have made of it
        text = data.decode(source.encoding, source.errors)
        parsed = oneshot.restore_requests(text.replace("\r\n", "\n").replace("\r", "\n"))
    except (UnicodeError, LookupError):
        parsed = None
    if parsed is None:
        handle.close()
        import io

        again = io.TextIOWrapper(io.BytesIO(data), encoding=source.encoding, errors=source.errors)
        return None, again
    commands, requests = parsed
    errors, status = oneshot.restore_outcome(commands, *handle.run(requests))
    return ("", errors, status & 0xFF), None


def _discard_pending(stream: TextIO) -> None:
    import contextlib
    import os

    try:
        stream.flush()
    except (OSError, ValueError):
        with contextlib.suppress(OSError, ValueError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), stream.fileno())


if __name__ == "__main__":
    sys.exit(main())
