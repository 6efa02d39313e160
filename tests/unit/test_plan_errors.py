# SPDX-License-Identifier: Apache-2.0
"""``--plan``'s refusals: a configuration keepalived would not start with, and a table that
cannot be read, each end in one message and their exit status, never a plan or a traceback."""

from __future__ import annotations

import argparse
import os
from pathlib import Path

import pytest

from pyipvs.daemon.plan import EXIT_CONFIG_FATAL, EXIT_IPVS_UNREADABLE, plan_main

CONFIG = "virtual_server 10.0.0.5 80 {\n    protocol TCP\n    real_server 10.0.0.6 80 {\n    }\n}\n"


def run(path: Path, namespace: str | None = None) -> int:
    return plan_main(
        argparse.Namespace(use_file=str(path), config_id=None, namespace=namespace, json=False)
    )


def test_an_unreadable_configuration_is_fatal(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "absent.conf"
    assert run(missing) == EXIT_CONFIG_FATAL
    out, err = capsys.readouterr()
    assert out == ""
    assert f"{missing}:0: Configuration file '{missing}' cannot be read" in err


def test_a_namespace_that_does_not_exist_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conf = tmp_path / "keepalived.conf"
    conf.write_text(CONFIG)
    assert run(conf, "pyipvs-no-such-namespace") == EXIT_IPVS_UNREADABLE
    out, err = capsys.readouterr()
    assert out == ""
    assert "cannot read the IPVS table in namespace pyipvs-no-such-namespace" in err


@pytest.mark.parametrize("kind", ["fifo", "device", "directory"])
def test_a_main_file_that_is_not_a_file_is_refused_without_blocking(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], kind: str
) -> None:
    path = {"fifo": tmp_path / "k.conf", "device": Path("/dev/zero"), "directory": tmp_path}[kind]
    if kind == "fifo":
        os.mkfifo(path)
    assert run(path) == EXIT_CONFIG_FATAL
    out, err = capsys.readouterr()
    assert out == ""
    assert "is not a regular non-executable file" in err or "is a directory" in err
