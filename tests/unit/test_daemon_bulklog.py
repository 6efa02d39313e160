# SPDX-License-Identifier: Apache-2.0
"""daemon/bulklog: many lines written per batch are the lines logging would write, in order."""

from __future__ import annotations

import io
import logging
import logging.handlers
import os
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from pyipvs.daemon import bulklog
from pyipvs.daemon.bulklog import log_many, log_sequence
from pyipvs.daemon.checker_main import ACTIVATING

ROWS = [
    (f"[127.0.1.{i % 250 + 1}]:tcp:{20001 + i}", f"[10.0.0.{i // 700 + 1}]:tcp:80")
    for i in range(2500)
]


@pytest.fixture
def logger() -> Iterator[logging.Logger]:
    log = logging.getLogger("pyipvs.test_bulklog")
    log.setLevel(logging.INFO)
    log.propagate = False
    saved, log.handlers = log.handlers, []  # the test run's capture handlers: put back after
    yield log
    for handler in log.handlers:
        handler.close()
    log.handlers = saved


def _stream(logger: logging.Logger, fmt: str) -> io.StringIO:
    out = io.StringIO()
    # pytest attaches its capture handlers for the test's call phase: a plain stream alone here
    logger.handlers = [h for h in logger.handlers if type(h) is logging.StreamHandler]
    handler = logging.StreamHandler(out)
    handler.setFormatter(logging.Formatter(fmt, "%a %b %e %H:%M:%S %Y"))
    logger.addHandler(handler)
    return out


def test_stream_gets_every_line_in_order_in_few_writes(logger: logging.Logger) -> None:
    out = _stream(logger, "%(message)s")
    writes = []
    real_write = out.write
    out.write = lambda text: writes.append(text) or real_write(text)  # type: ignore[method-assign]
    assert log_many(logger, logging.INFO, ACTIVATING, ROWS) == len(ROWS)
    expected = [ACTIVATING % row for row in ROWS]
    assert out.getvalue().splitlines() == expected
    assert expected[0] == (
        "Activating healthchecker for service [127.0.1.1]:tcp:20001 for VS [10.0.0.1]:tcp:80"
    )
    assert len(writes) == -(-len(ROWS) // bulklog.BATCH)  # one write per batch


def test_stream_lines_equal_what_logging_writes(logger: logging.Logger) -> None:
    """Same formatter, same text (the time stamp compared by shape: seconds may tick)."""
    out = _stream(logger, "%(asctime)s: %(message)s")
    log_many(logger, logging.INFO, ACTIVATING, ROWS[:3])
    for row in ROWS[:3]:
        logger.info(ACTIVATING, *row)
    lines = out.getvalue().splitlines()
    bulk, plain = lines[:3], lines[3:]
    assert [line.split(": ", 1)[1] for line in bulk] == [p.split(": ", 1)[1] for p in plain]
    assert [len(line.split(": ", 1)[0]) for line in bulk] == [
        len(p.split(": ", 1)[0]) for p in plain
    ]


def test_syslog_gets_one_datagram_per_line_with_the_pid(
    logger: logging.Logger, tmp_path: Path
) -> None:
    path = str(tmp_path / "log")
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(path)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
    logger.handlers = []  # pytest's capture handlers would take the one-record-per-line path
    handler = logging.handlers.SysLogHandler(path)
    handler.setFormatter(logging.Formatter("Keepalived_healthcheckers[%(process)d]: %(message)s"))
    logger.addHandler(handler)
    rows = ROWS[:1200]  # two batches
    got: list[str] = []
    with server:
        server.settimeout(10)
        reader = threading.Thread(target=lambda: got.extend(_receive(server, len(rows))))
        reader.start()  # a blocking sender waits for room in the socket: read as it writes
        log_many(logger, logging.INFO, ACTIVATING, rows)
        reader.join()
    prefix = f"<14>Keepalived_healthcheckers[{os.getpid()}]: "
    assert got == [f"{prefix}{ACTIVATING % row}\x00" for row in rows]


def _receive(server: socket.socket, count: int) -> list[str]:
    return [server.recv(4096).decode() for _ in range(count)]


def test_capturing_handler_gets_one_record_per_line(
    logger: logging.Logger, caplog: pytest.LogCaptureFixture
) -> None:
    """A handler that keeps records (not a plain stream) takes the ordinary path."""
    logger.addHandler(caplog.handler)
    log_many(logger, logging.INFO, ACTIVATING, ROWS[:5])
    logger.removeHandler(caplog.handler)
    assert [r.getMessage() for r in caplog.records] == [ACTIVATING % row for row in ROWS[:5]]


def test_level_below_the_logger_writes_nothing(logger: logging.Logger) -> None:
    out = _stream(logger, "%(message)s")
    assert log_many(logger, logging.DEBUG, ACTIVATING, ROWS) == 0
    assert out.getvalue() == ""


def test_sequence_keeps_the_order_across_templates(logger: logging.Logger) -> None:
    out = _stream(logger, "%(message)s")
    lines: list[tuple[str, tuple[object, ...]]] = [
        ("Adding service %s to VS %s", ("a", "v")),
        ("Adding service %s to VS %s", ("b", "v")),
        ("Changing weight from %d to %d for service %s of VS %s", (1, 2, "c", "v")),
        ("Adding service %s to VS %s", ("d", "v")),
        ("Removing service %s from VS %s", ("e", "v")),
    ]
    assert log_sequence(logger, logging.INFO, lines) == 5
    assert out.getvalue().splitlines() == [t % a for t, a in lines]
