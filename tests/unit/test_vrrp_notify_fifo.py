# SPDX-License-Identifier: Apache-2.0
"""``notify_fifo`` / ``vrrp_notify_fifo`` written for real: keepalived 2.2.7's lines for
instances (STOP on shutdown) and sync groups, the FIFO made when missing and removed on close
(an existing one kept), its script started with the FIFO's name, one FIFO named twice written
once, and the keywords' errors with their lines."""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path

import pytest

from pyipvs.config import parse_config
from pyipvs.daemon.notify import Notifier

INSTANCES = """vrrp_instance VI_1 {
    interface eth0
    virtual_router_id 1
    virtual_ipaddress {
        10.0.0.1
    }
}
vrrp_instance VI_2 {
    interface eth0
    virtual_router_id 2
    virtual_ipaddress {
        10.0.0.2
    }
}
vrrp_sync_group G1 {
    group {
        VI_1
        VI_2
    }
}
"""


def notifier(globals_: str) -> Notifier:
    result = parse_config(f"global_defs {{\n{globals_}}}\n{INSTANCES}", name="t")
    assert list(result.diagnostics) == []
    return Notifier(result.config)


def lines_written(n: Notifier, fifo: Path, *changes: tuple[str, str, int]) -> list[str]:
    async def main() -> list[str]:
        n.start()
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        for name, state, priority in changes:
            n.instance_changed(name, state, priority)
        await n.drain()
        text = os.read(reader, 65536).decode()
        os.close(reader)
        await asyncio.sleep(0.2)  # a fifo script's start
        n.close()
        return text.splitlines()

    return asyncio.run(main())


def test_instance_and_group_lines_as_keepalived_writes_them(tmp_path: Path) -> None:
    fifo = tmp_path / "vrrp.fifo"
    written = lines_written(
        notifier(f"    vrrp_notify_fifo {fifo}\n"),
        fifo,
        ("VI_1", "BACKUP", 100),
        ("VI_2", "BACKUP", 100),
        ("VI_1", "MASTER", 100),
        ("VI_2", "MASTER", 100),
        ("VI_1", "INIT", 100),
    )
    assert written == [
        'INSTANCE "VI_1" BACKUP 100',
        'INSTANCE "VI_2" BACKUP 100',
        'GROUP "G1" BACKUP 0',
        'INSTANCE "VI_1" MASTER 100',
        'INSTANCE "VI_2" MASTER 100',
        'GROUP "G1" MASTER 0',
        'INSTANCE "VI_1" STOP 100',
    ]
    assert not fifo.exists()  # made here, so removed on close


def test_an_existing_fifo_is_kept_and_its_script_started(tmp_path: Path) -> None:
    fifo = tmp_path / "notify.fifo"
    os.mkfifo(fifo)
    script = tmp_path / "reader.sh"
    script.write_text(f'#!/bin/sh\necho "$1" > {tmp_path}/seen\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    n = notifier(f"    notify_fifo {fifo}\n    notify_fifo_script {script}\n")
    assert lines_written(n, fifo, ("VI_1", "FAULT", 100)) == ['INSTANCE "VI_1" FAULT 100']
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert (tmp_path / "seen").read_text() == f"{fifo}\n"


def test_one_fifo_named_for_both_is_written_once(tmp_path: Path) -> None:
    fifo = tmp_path / "both.fifo"
    n = notifier(f"    notify_fifo {fifo}\n    vrrp_notify_fifo {fifo}\n")
    assert lines_written(n, fifo, ("VI_1", "MASTER", 100)) == ['INSTANCE "VI_1" MASTER 100']


def test_no_reader_never_blocks(tmp_path: Path) -> None:
    fifo = tmp_path / "full.fifo"
    n = notifier(f"    vrrp_notify_fifo {fifo}\n")

    async def main() -> None:
        n.start()
        for _ in range(20_000):  # far more than a pipe holds
            n.instance_changed("VI_1", "MASTER", 100)
        n.close()

    asyncio.run(main())
    assert not fifo.exists()


@pytest.mark.parametrize(("text", "found"), [
    (" vrrp_notify_fifo\n", [(2, "No vrrp_notify_fifo name specified")]),
    (" notify_fifo_script\n", [(2, "No notify_fifo_script specified")]),
    (" notify_fifo /a\n notify_fifo /b\n", [(3, "notify_fifo already specified - ignoring /b")]),
])  # fmt: skip
def test_keyword_errors(text: str, found: list[tuple[int, str]]) -> None:
    result = parse_config(f"global_defs {{\n{text}}}\n", name="t")
    assert [(d.line, d.message) for d in result.diagnostics] == found
