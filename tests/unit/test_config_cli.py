"""``pyipvs-keepalived`` options whose effect the other tests do not see: ``-i`` and
``--strict``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pyipvs.cli.keepalived import main
from pyipvs.config import read_config
from pyipvs.daemon.main import refusal

CORPUS = Path(__file__).resolve().parent.parent / "data" / "keepalived"
BY_ID = CORPUS / "ok_conditional_config_id.conf"
WARNING = CORPUS / "warn_state_slave.conf"
CLEAN = CORPUS / "ok_minimal_lvs.conf"


def test_config_id_selects_the_at_lines(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["-t", "-i", "other", "-f", str(BY_ID)]) == 0
    assert capsys.readouterr().err == ""
    assert main(["-t", "-i", "pyipvs_lb1", "-f", str(BY_ID)]) == 5
    assert f"{BY_ID}:5: Unknown keyword 'bogus_keyword_for_lb1'" in capsys.readouterr().err


@pytest.mark.parametrize(("config_id", "router_id"), [("pyipvs_lb1", "LB1"), ("lb2", "OTHER")])
def test_config_id_changes_the_dumped_model(
    capsys: pytest.CaptureFixture[str], config_id: str, router_id: str
) -> None:
    main(["--config-id", config_id, "--dump-config", "-f", str(BY_ID)])
    assert json.loads(capsys.readouterr().out)["global_defs"]["router_id"] == router_id


def test_strict_refuses_to_start_on_a_warning(capsys: pytest.CaptureFixture[str]) -> None:
    """Refused in the parent before it forks: exit 6 as keepalived's KEEPALIVED_EXIT_NO_CONFIG."""
    result = read_config(str(WARNING))
    assert refusal(result, strict=False, reloading=False) == []  # warnings alone do not stop it
    assert main(["--strict", "-n", "-G", "-f", str(WARNING)]) == 6
    assert capsys.readouterr().err.count("unknown state 'SLAVE'") == 1


def test_strict_on_a_clean_file_changes_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    assert refusal(read_config(str(CLEAN)), strict=True, reloading=True) == []
    assert main(["--strict", "-t", "-f", str(CLEAN)]) == 0
    assert main(["--strict", "-t", "-f", str(WARNING)]) == 5  # -t reports as keepalived does
    assert "Traceback" not in capsys.readouterr().err


def test_a_failed_include_check_stops_the_daemon(tmp_path: Path) -> None:
    path = tmp_path / "k.conf"
    path.write_text("includem nothere.conf\n")
    assert main(["-f", str(path)]) == 6
    assert main(["-t", "-f", str(path)]) == 6
