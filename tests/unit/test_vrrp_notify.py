# SPDX-License-Identifier: Apache-2.0
"""Notify scripts of the VRRP process, run for real: keepalived's arguments, the state words
(STOP for a shutdown), sync-group scripts once every member is there, no shell unless needed,
and failures (not found, non-zero, hung past the timeout) logged."""

from __future__ import annotations

import asyncio
import logging
import stat
from pathlib import Path

import pytest

from pyipvs.config import parse_config
from pyipvs.daemon.notify import Notifier, command_argv

INSTANCE = """vrrp_instance {name} {{
    interface eth0
    virtual_router_id {vrid}
    priority 150
{scripts}    virtual_ipaddress {{
        10.0.0.{vrid}
    }}
}}
"""


@pytest.fixture
def recorder(tmp_path: Path) -> Path:
    """A script that appends its arguments, one line per run, to calls.txt."""
    script = tmp_path / "record.sh"
    script.write_text(f'#!/bin/sh\necho "$*" >> {tmp_path}/calls.txt\n')
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def calls(tmp_path: Path) -> list[str]:
    path = tmp_path / "calls.txt"
    return sorted(path.read_text().splitlines()) if path.exists() else []


def run(notifier: Notifier, *changes: tuple[str, str, int]) -> None:
    async def main() -> None:
        for name, state, priority in changes:
            notifier.instance_changed(name, state, priority)
        await notifier.drain()

    asyncio.run(main())


def notifier(text: str, timeout: float = 5.0) -> Notifier:
    return Notifier(parse_config(text).config, timeout=timeout)


def test_words_are_split_without_a_shell_unless_the_command_needs_one() -> None:
    assert command_argv("/bin/echo 'a b' c", ("X",)) == ["/bin/echo", "a b", "c", "X"]
    assert command_argv("echo $HOME > /tmp/x", ("X", "Y")) == [
        "/bin/sh",
        "-c",
        'echo $HOME > /tmp/x "$@"',
        "sh",
        "X",
        "Y",
    ]


def test_the_state_script_and_notify_run_with_keepalived_arguments(
    tmp_path: Path, recorder: Path
) -> None:
    scripts = f'    notify_master "{recorder} became master"\n    notify {recorder}\n'
    n = notifier(INSTANCE.format(name="VI_1", vrid=5, scripts=scripts))
    run(n, ("VI_1", "MASTER", 150))
    assert calls(tmp_path) == ["INSTANCE VI_1 MASTER 150", "became master"]


def test_a_shutdown_is_reported_as_stop(tmp_path: Path, recorder: Path) -> None:
    scripts = f"    notify_stop {recorder}\n    notify {recorder}\n    notify_backup {recorder} b\n"
    n = notifier(INSTANCE.format(name="VI_1", vrid=5, scripts=scripts))
    run(n, ("VI_1", "INIT", 100))
    assert calls(tmp_path) == ["", "INSTANCE VI_1 STOP 100"]


def test_a_group_is_notified_once_all_its_members_are_in_the_state(
    tmp_path: Path, recorder: Path
) -> None:
    group = (
        "vrrp_sync_group G1 {\n    group {\n        VI_1\n        VI_2\n    }\n"
        f"    notify {recorder}\n}}\n"
    )
    text = (
        group
        + INSTANCE.format(name="VI_1", vrid=5, scripts="")
        + INSTANCE.format(name="VI_2", vrid=6, scripts="")
    )
    n = notifier(text)
    run(n, ("VI_1", "MASTER", 150))
    assert calls(tmp_path) == []
    run(n, ("VI_2", "MASTER", 150), ("VI_2", "MASTER", 150))
    assert calls(tmp_path) == ["GROUP G1 MASTER"]


def test_failures_are_logged_and_a_hung_script_is_killed(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    scripts = (
        f"    notify_master {tmp_path}/missing\n"
        "    notify_backup /bin/false\n"
        '    notify_fault "/bin/sleep 30"\n'
    )
    n = notifier(INSTANCE.format(name="VI_1", vrid=5, scripts=scripts), timeout=0.3)
    with caplog.at_level(logging.ERROR, logger="pyipvs.daemon"):
        run(n, ("VI_1", "MASTER", 150), ("VI_1", "BACKUP", 150), ("VI_1", "FAULT", 150))
    messages = sorted(r.getMessage() for r in caplog.records)
    assert messages[0].startswith(f"cannot run notify script {tmp_path}/missing: ")
    assert messages[1:] == [
        "notify script /bin/false exited with status 1",
        "notify script /bin/sleep 30 timed out after 0.3s: killed",
    ]
