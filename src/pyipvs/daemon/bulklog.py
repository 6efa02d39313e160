# SPDX-License-Identifier: Apache-2.0
"""Many log lines of one template at once, each still its own line with keepalived's words.

keepalived logs a line per checker at start ("Activating healthchecker for service ... for
VS ...") and per real server added; with 100 virtual servers sharing 2,000 real servers that is
200,000 lines of each. Through :mod:`logging` one record costs a clock read, a ``getpid`` and
a ``write`` (or ``send``) of its own: about 95 µs in a User-Mode Linux guest, where a system
call costs 3.5-27 µs, so 19 s for the activation lines alone.

:func:`log_many` writes the same lines, in the same order, but per batch of rows: one record
(one clock read, one ``getpid``) for the batch, and for a console or file stream one ``write``
per batch. Syslog and the journal still get one datagram per line (a datagram is a message).
Any other handler, or a filter anywhere on the way, gets the ordinary one-record-per-line path,
so tests that capture records and user configurations see exactly what :mod:`logging` gives.
"""

from __future__ import annotations

import logging
import logging.handlers
from collections.abc import Iterable, Iterator, Sequence
from itertools import islice

from pyipvs.daemon.runtime import JournalHandler

BATCH = 1000
_DATAGRAM = (logging.handlers.SysLogHandler, JournalHandler)


def log_many(
    logger: logging.Logger, level: int, template: str, rows: Iterable[Sequence[object]]
) -> int:
    """Logs ``template % row`` for each row, as ``logger.log(level, template, *row)`` would;
    returns the number of lines."""
    if not logger.isEnabledFor(level):
        return 0
    handlers = _plain_handlers(logger)
    if handlers is None:
        count = 0
        for row in rows:
            logger.log(level, template, *row)
            count += 1
        return count
    count = 0
    for chunk in _chunks(rows, BATCH):
        record = logger.makeRecord(logger.name, level, __file__, 0, template, (), None)
        for handler in handlers:
            if level >= handler.level:
                _emit_chunk(handler, record, template, chunk)
        count += len(chunk)
    return count


def log_sequence(
    logger: logging.Logger, level: int, lines: Iterable[tuple[str, Sequence[object]]]
) -> int:
    """Logs ``(template, row)`` pairs in their order, each run of one template through
    :func:`log_many`; returns the number of lines."""
    count = 0
    run: list[Sequence[object]] = []
    current = None
    for template, row in lines:
        if template != current and run:
            count += log_many(logger, level, current or "", run)
            run = []
        current = template
        run.append(row)
    if run:
        count += log_many(logger, level, current or "", run)
    return count


def _plain_handlers(logger: logging.Logger) -> list[logging.Handler] | None:
    """The handlers a record of ``logger`` reaches, when all of them are ours to batch (a
    stream, syslog, the journal) and no filter is on the way; else None."""
    handlers: list[logging.Handler] = []
    current: logging.Logger | None = logger
    while current is not None:
        if current.filters or current.disabled:
            return None
        handlers += current.handlers
        if not current.propagate:
            break
        current = current.parent
    plain = all(
        not h.filters and (type(h) is logging.StreamHandler or isinstance(h, _DATAGRAM))
        for h in handlers
    )
    return handlers if handlers and plain else None


def _emit_chunk(
    handler: logging.Handler,
    record: logging.LogRecord,
    template: str,
    chunk: list[Sequence[object]],
) -> None:
    if isinstance(handler, _DATAGRAM):  # one datagram per line, the batch's record reused
        for row in chunk:
            record.msg, record.args = template, tuple(row)
            handler.handle(record)
        return
    assert isinstance(handler, logging.StreamHandler)
    formatter = handler.formatter or logging.Formatter()
    if formatter.usesTime():
        record.asctime = formatter.formatTime(record, formatter.datefmt)
    lines = []
    for row in chunk:
        record.message = template % tuple(row)
        lines.append(formatter.formatMessage(record))
    text = handler.terminator.join(lines) + handler.terminator
    handler.acquire()
    try:
        handler.stream.write(text)
        handler.flush()
    except Exception:  # as StreamHandler.emit: report, never raise into the caller
        handler.handleError(record)
    finally:
        handler.release()


def _chunks(rows: Iterable[Sequence[object]], size: int) -> Iterator[list[Sequence[object]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk
