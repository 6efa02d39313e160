# SPDX-License-Identifier: Apache-2.0
"""pyipvs-lab's pure parts: the edits of the seed's text, the bounds read from the config, the
view and the verdicts. The scenario itself runs in tests/kernel/test_seed_scenario.py."""

from __future__ import annotations

import io

import pytest

from pyipvs.config import HttpGet, TcpCheck, parse_config
from pyipvs.lab import seed
from pyipvs.lab.bounds import MARGIN, bounds_of
from pyipvs.lab.main import main, parser, steps_of
from pyipvs.lab.observe import Event, Row, Sample, Table, changes
from pyipvs.lab.summary import judge, split_tolerance
from pyipvs.lab.view import Progress, Screen, frame

DIGEST = "1bf68749a078983a159f625c01e05a5d"


def rendered(lb: str, delay_loop: int | None = None) -> str:
    return seed.render(lb, DIGEST, f"/run/lab/{lb}", delay_loop)


def test_the_seed_text_is_the_chapters() -> None:
    text = seed.seed_text()
    assert "virtual_server 192.168.0.1 80 {" in text
    assert "sorry_server 192.168.0.1\n   80" in text
    assert "digest 69c520033af926d40e7d5d832e3933f6" in text


@pytest.mark.parametrize("lb", seed.LOAD_BALANCERS)
def test_the_lab_config_is_the_seed_read_as_meant(lb: str) -> None:
    config = parse_config(rendered(lb)).config
    (instance,) = config.vrrp_instances
    assert (instance.state, instance.priority, instance.advert_int) == (
        "MASTER" if lb == "lb1" else "BACKUP",
        100,
        1.0,
    )
    assert [(v.address, v.dev) for v in instance.virtual_ipaddress] == [
        ("10.0.0.5/32", None),
        ("192.168.0.1/32", "eth1"),
    ]
    assert instance.notify_master is not None
    assert instance.notify_master.command == f"/run/lab/{lb}/script_master.sh"
    (vs,) = config.virtual_servers
    assert (vs.address, vs.port, vs.lvs_sched, vs.lvs_method) == ("10.0.0.5", 80, "wlc", "NAT")
    assert (vs.persistence_timeout, vs.delay_loop) == (50, 30.0)
    assert vs.sorry_server is not None
    assert (vs.sorry_server.address, vs.sorry_server.port) == ("192.168.0.1", 80)
    rs1, rs2 = vs.real_servers
    assert (rs1.address, rs1.weight, rs2.address, rs2.weight) == (
        "192.168.0.12", 20, "192.168.0.13", 8,
    )  # fmt: skip
    (tcp,) = rs1.checkers
    assert isinstance(tcp, TcpCheck) and (tcp.connect_port, tcp.connect_timeout) == (80, 3.0)
    (http,) = rs2.checkers
    assert isinstance(http, HttpGet) and http.urls[0].digest == DIGEST
    assert (http.retry, http.delay_before_retry, http.connect_timeout) == (3, 2.0, 5.0)


def test_every_edit_says_why_and_lb2_alone_becomes_backup() -> None:
    lb1, lb2 = (seed.edits(lb, DIGEST, "/d", None) for lb in seed.LOAD_BALANCERS)
    assert all(edit.why for edit in lb1 + lb2)
    assert [e.new for e in lb2 if e not in lb1] == ["state BACKUP"]


def test_an_edit_whose_text_is_gone_says_so() -> None:
    edit = seed.Edit("because", "no such text", "new")
    with pytest.raises(ValueError, match="no longer holds 'no such text'"):
        edit.apply("virtual_server 10.0.0.5 80 {")


def test_delay_loop_override() -> None:
    assert parse_config(rendered("lb2", 3)).config.virtual_servers[0].delay_loop == 3.0


def test_bounds_follow_the_config_formulas() -> None:
    bounds = bounds_of(rendered("lb2", 3))
    assert bounds.weights == {"192.168.0.12:80": 20, "192.168.0.13:80": 8}
    assert bounds.share("192.168.0.12:80") == pytest.approx(20 / 28)
    assert bounds.master_down_interval == pytest.approx(3 + 156 / 256)  # RFC 3768 §6.1
    # TCP_CHECK: delay_loop 3, two tries of connect_timeout 3, one retry after 1 s
    assert bounds.checker_limits["192.168.0.12:80"] == pytest.approx(3 + 6 + 1 + MARGIN)
    # HTTP_GET: four tries of connect + read (5 s each), three retries after 2 s
    assert bounds.checker_limits["192.168.0.13:80"] == pytest.approx(3 + 40 + 6 + MARGIN)


def test_steps_keep_the_scenarios_order_and_refuse_unknown_ones() -> None:
    assert steps_of("sorry,split") == ["split", "sorry"]
    with pytest.raises(ValueError, match="unknown step 'reboot'"):
        steps_of("split,reboot")
    assert parser().parse_args([]).daemon == {"lb1": "pyipvs", "lb2": "pyipvs"}
    mixed = parser().parse_args(["--daemon", "pyipvs,keepalived"]).daemon
    assert mixed == {"lb1": "pyipvs", "lb2": "keepalived"}


def sample(lb1_vips: tuple[str, ...], rows: tuple[Row, ...], lb1_alive: bool = True) -> Sample:
    table = (Table("TCP  10.0.0.5:80 wlc persistent 50", rows),)
    return Sample(
        vips={"lb1": lb1_vips, "lb2": ()},
        tables={"lb1": table, "lb2": table},
        alive={"lb1": lb1_alive, "lb2": True},
    )


RS1 = Row("192.168.0.12:80", "Masq", 20, 0, 40)
RS2 = Row("192.168.0.13:80", "Masq", 8, 0, 16)


def test_changes_name_the_vip_moves_and_pool_changes() -> None:
    before = sample((), (RS1, RS2))
    after = sample(("10.0.0.5", "192.168.0.1"), (RS2,))
    assert changes(before, after) == [
        "lb1 holds the VIPs 10.0.0.5, 192.168.0.1",
        "lb1: 192.168.0.12:80 left the pool of 10.0.0.5:80",
        "lb2: 192.168.0.12:80 left the pool of 10.0.0.5:80",
    ]
    assert sample(("10.0.0.5",), (), lb1_alive=False).master == "none"  # a dead master is none


def test_the_frame_shows_roles_tables_split_and_events() -> None:
    progress = Progress("pyipvs-lab", "split", "56 clients", split={"rs1": 40, "rs2": 16},
                        expected={"rs1": 20 / 28, "rs2": 8 / 28})  # fmt: skip
    text = frame(progress, sample(("10.0.0.5", "192.168.0.1"), (RS1, RS2)), [], 5.0)
    assert "lb1 MASTER 10.0.0.5 192.168.0.1" in text
    assert "lb2 BACKUP" in text
    assert "  -> 192.168.0.12:80  Masq      20    0    40" in text
    not_started = sample((), (RS1,))
    not_started = Sample(not_started.vips, not_started.tables, not_started.alive, {"lb2": False})
    assert "lb2 DOWN" in frame(progress, not_started, [], 0.0)  # its daemon does not run
    assert "rs1    " + "#" * 21 + "." * 9 + "  40  71%   weights ask for 71%" in text


def test_verdicts() -> None:
    docs = [
        {"phase": "start", "serving_after": 3.9, "events": []},
        {"phase": "split", "answers": {"rs1": 28, "rs2": 28},
         "expected": {"rs1": 20 / 28, "rs2": 8 / 28}, "events": []},
        {"phase": "failover", "seconds": 3.4, "bound": 6.6,
         "events": [{"at": 1.0, "text": "lb1: notify_master ran (MASTER)"}]},
    ]  # fmt: skip
    verdicts = {v["check"]: v["ok"] for v in judge(docs, "")}
    assert verdicts == {
        "HTTP through 10.0.0.5": True,
        "split close to the weights": False,  # 50 % against 71 %: beyond 3 sigma of 56
        "failover within the VRRP bound": True,
        "notify scripts ran": False,  # lb2's never ran
    }
    assert 0.17 < split_tolerance(20 / 28, 56) < 0.19


def test_show_config_prints_both_configs_and_every_edit(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["--show-config", "--delay-loop", "3"]) == 0
    out = capsys.readouterr().out
    assert out.count("the seed's keepalived.conf with these edits") == 2
    assert out.count("#   - --delay-loop 3: checks every 3 s instead of 30 s") == 2
    assert "state BACKUP" in out and out.count("virtual_server 10.0.0.5 80 {") == 2


@pytest.mark.parametrize("daemon", ["bird", "pyipvs,", "keepalived,pyipvs,pyipvs"])
def test_an_unknown_daemon_is_a_usage_error(
    daemon: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--daemon", daemon])
    assert exit_.value.code == 2
    assert f"keepalived or pyipvs, or two of them for lb1,lb2; not '{daemon}'" in (
        capsys.readouterr().err
    )


@pytest.mark.parametrize("value", ["0", "151", "-3", "many"])
def test_a_request_count_out_of_range_is_a_usage_error(
    value: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--requests", value])
    assert exit_.value.code == 2
    assert f"a whole number from 1 to 150, not '{value}'" in capsys.readouterr().err


def test_the_screen_prints_each_event_once_or_redraws_in_place() -> None:
    events = [Event(0.5, "lb1: notify_master ran (MASTER)")]
    plain = io.StringIO()
    screen = Screen(lambda: ("the frame\n", events), live=False, out=plain)
    screen.refresh()
    events.append(Event(1.0, "lb2 holds the VIPs 10.0.0.5, 192.168.0.1"))
    screen.refresh()
    assert plain.getvalue() == (
        "+   0.5 s  lb1: notify_master ran (MASTER)\n"
        "+   1.0 s  lb2 holds the VIPs 10.0.0.5, 192.168.0.1\n"
    )
    live = io.StringIO()
    Screen(lambda: ("line 1\nline 2\n", events), live=True, out=live).refresh()
    assert live.getvalue() == "\x1b[Hline 1\x1b[K\nline 2\x1b[K\n\x1b[J"
