# SPDX-License-Identifier: Apache-2.0
"""``-R``: read ipvsadm command lines from stdin and apply them in batches.

Each line is split on blanks (space, tab, carriage return, newline, as ipvsadm 1.31 does, so
CRLF files restore; vertical tab and form feed stay in the word), a word longer than 4,096
characters comes in pieces of 4,096 (ipvsadm reads words with ``fscanf("%4096[^ \\t\\n\\r]")``),
a NUL ends its word (the rest of that word is dropped, as C strings end there), the word
``ipvsadm`` is dropped wherever it appears, blank lines are skipped, and the rest is parsed as a
command line of its own. Lines in the shape ``-S -n`` writes skip the parser
(:mod:`~pyipvs.cli.ipvsadm.fastpath`), with the same result. Table changes are collected
and sent through the batched :meth:`pyipvs.Ipvs.apply`; anything else (a listing, a daemon
command, an error that ends the run) first sends what was collected, so output and error
messages come in line order.

ipvsadm's outcome rules are kept: a kernel error or a popt error prints its message and the run
goes on; ``fail()`` errors (exit 2), "Try ... -h" (exit 255, e.g. a ``#`` comment line) and
``-h``/``-v`` end the whole run; the exit status is that of the last line.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TextIO

from pyipvs.cli.ipvsadm.fastpath import fast_operation
from pyipvs.cli.ipvsadm.help import usage
from pyipvs.cli.ipvsadm.options import (
    VERSION_LINE,
    CliExit,
    HelpRequested,
    Invocation,
    LineError,
    TryHelp,
    VersionRequested,
    parse,
)
from pyipvs.cli.ipvsadm.rules import ModelRefused, operation
from pyipvs.cli.ipvsadm.session import Session
from pyipvs.errors import BatchInterrupted
from pyipvs.ipvs.ops import BatchResults, Operation

_BLANKS = re.compile(r"[ \t\r\n]+")
# Operations sent per apply(): the batch's memory is reused instead of growing with the file
# (in User-Mode Linux every fresh page costs a fault handled by the guest kernel).
BATCH_OPS = 1024
MAX_WORD = 4096  # ipvsadm's config_stream.c: MAX_LINE_LENGTH, the widest word fscanf reads


def line_words(line: str) -> list[str]:
    """The words of one line as ipvsadm's ``config_stream_read`` makes them (see above)."""
    words = _BLANKS.split(line)
    if len(line) > MAX_WORD:
        words = [w[i : i + MAX_WORD] for w in words for i in range(0, len(w), MAX_WORD)]
    if "\0" in line:
        words = _BLANKS.split(" ".join(w.partition("\0")[0] for w in words))
    return [w for w in words if w and w != "ipvsadm"]


def command_lines(stream: TextIO) -> Iterator[list[str]]:
    """The words of each non-blank line, without any ``ipvsadm`` word."""
    for line in stream:
        words = line_words(line)
        if words:
            yield words


class _Batch:
    """Collected operations with the command each came from."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.ops: list[Operation] = []
        self.commands: list[str] = []
        self.last_status = 0

    def add(self, command: str, op: Operation) -> None:
        self.ops.append(op)
        self.commands.append(command)
        if len(self.ops) >= BATCH_OPS:
            self.send()

    def send(self) -> None:
        """Apply what was collected and print each failure in order."""
        if not self.ops:
            return
        try:
            results = self.session.ipvs.apply(self.ops)
        except BatchInterrupted as exc:
            self._report_interrupted(exc)
            return
        # Only the failures are looked at (a batch's successes cost nothing to skip).
        for failure in results.failures:
            self.session.report(self.commands[failure.index], failure.error)
        last = len(self.ops) - 1
        self.last_status = -1 if results.failures and results[last].error else 0
        self.ops, self.commands = [], []

    def _report_interrupted(self, exc: BatchInterrupted) -> None:
        """The socket failed mid-batch: the failures known so far, then every line it did not
        run, reported with the socket's error (as the one-batch path in main does), so no
        traceback reaches the user and each line's fate is said."""
        known = exc.results  # the BatchResults so far (errors.py cannot name the class)
        assert isinstance(known, BatchResults)
        for failure in known.failures:
            self.session.report(self.commands[failure.index], failure.error)
        for command in self.commands[len(known) :]:
            self.session.report(command, exc)
        self.last_status = -1
        self.ops, self.commands = [], []


def restore(session: Session, stream: TextIO, run: Callable[[Invocation], int]) -> int:
    """Run every line of ``stream``; the return value is the last line's (0 or -1). Changes
    go in batches; any other command (a listing, a daemon) runs through ``run``."""
    batch = _Batch(session)
    status: int | None = 0
    for line in stream:
        fast = fast_operation(line)
        if fast is not None:
            batch.add(*fast)
            status = None  # known once the batch is sent
            continue
        words = line_words(line)
        if words:
            status = _full_line(batch, words, run)
    batch.send()
    return batch.last_status if status is None else status


def _full_line(batch: _Batch, words: list[str], run: Callable[[Invocation], int]) -> int | None:
    """One line through the full parser: its status, or None while it waits in the batch."""
    session = batch.session
    try:
        inv = parse(words, session.program)
    except HelpRequested:
        batch.send()
        session.stdout.write(usage(session.program))
        raise CliExit(0, "") from None
    except VersionRequested:
        batch.send()
        session.stdout.write(VERSION_LINE + "\n")
        raise CliExit(0, "") from None
    except LineError as exc:
        batch.send()
        session.stderr.write(exc.text)
        return -1
    except CliExit:
        batch.send()
        raise
    if inv.command == "restore":
        batch.send()
        raise TryHelp(session.program)
    try:
        op = operation(inv)
    except ModelRefused as exc:
        batch.send()
        return session.report(inv.command, exc)
    except CliExit:
        batch.send()
        raise
    if op is not None:
        batch.add(inv.command, op)
        return None
    batch.send()
    return run(inv)
