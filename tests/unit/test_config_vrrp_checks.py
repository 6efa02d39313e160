"""vrrp_instance completion rules checked against keepalived 2.2.7 ``-t``: what is reported, at
which line, and the value pyipvs then uses."""

from __future__ import annotations

from pyipvs.config import KeepalivedConfig, Tracked, parse_config

VI = (
    "vrrp_instance VI_1 {{\n interface eth0\n virtual_router_id 51\n{body}\n"
    " virtual_ipaddress {{\n  10.0.0.5\n }}\n}}\n"
)


def _read(text: str) -> tuple[KeepalivedConfig, list[tuple[int, str]]]:
    result = parse_config(text, name="t.conf")
    return result.config, [(d.line, d.message) for d in result.diagnostics]


def test_v3_advert_int_above_40_95_is_reported_and_capped() -> None:
    config, found = _read(VI.format(body=" version 3\n advert_int 100"))
    assert config.vrrp_instances[0].advert_int == 40.95
    assert found == [
        (
            1,
            "(VI_1) VRRPv3 advertisement interval 100.00s is out of range."
            " Must be less than 40.96s. Setting to 40.95s",
        )
    ]


def test_nopreempt_with_initial_master_is_cleared_with_a_warning() -> None:
    config, found = _read(VI.format(body=" state MASTER\n priority 100\n nopreempt"))
    assert config.vrrp_instances[0].nopreempt is False
    assert found == [
        (1, "(VI_1) Warning - nopreempt will not work with initial state MASTER - clearing")
    ]


def test_nopreempt_with_backup_is_kept_silently() -> None:
    config, found = _read(VI.format(body=" state BACKUP\n nopreempt"))
    assert config.vrrp_instances[0].nopreempt is True
    assert found == []


def test_track_interface_options_duplicates_and_own_interface() -> None:
    body = (
        " track_interface {\n  eth1 weight 10 bogus\n  eth2 noreverse\n  eth1\n  eth0\n"
        "  eth3 weight 5 reverse\n }"
    )
    config, found = _read(VI.format(body=body))
    assert found == [
        (5, "(VI_1) unknown track_interface eth1 weight option bogus - ignoring"),
        (6, "(VI_1) unknown track_interface eth2 option noreverse - ignoring"),
        (7, "(VI_1) duplicate track_interface eth1 - ignoring"),
        (8, "(VI_1) Ignoring track_interface eth0 since own interface"),
    ]
    assert config.vrrp_instances[0].track_interface == (
        Tracked("eth1"),
        Tracked("eth2"),
        Tracked("eth3", 5, True),
    )


def test_track_interface_accepts_only_reverse_track_script_also_noreverse() -> None:
    body = (
        " track_interface {\n  eth1 weight 1 noreverse\n }\n"
        " track_script {\n  chk weight 1 noreverse\n }"
    )
    text = 'vrrp_script chk {\n script "x"\n}\n' + VI.format(body=body)
    _config, found = _read(text)
    assert found == [(8, "(VI_1) unknown track_interface eth1 weight option noreverse - ignoring")]


def test_track_file_entry_with_an_unknown_option_is_dropped() -> None:
    body = " track_file {\n  tf weight 1 bogus\n  tf\n }"
    text = "track_file tf {\n file /tmp/x\n}\n" + VI.format(body=body)
    config, found = _read(text)
    assert found == [(8, "(VI_1) unknown track file tf weight option bogus - ignoring")]
    assert config.vrrp_instances[0].track_file == (Tracked("tf"),)


def test_track_weight_without_value() -> None:
    body = " track_script {\n  chk weight\n }"
    text = 'vrrp_script chk {\n script "x"\n}\n' + VI.format(body=body)
    _config, found = _read(text)
    assert found == [(8, "(VI_1) weight without value specified for track_script chk - ignoring")]


def test_garp_ranges_follow_keepalived() -> None:
    body = (
        " garp_master_delay 4295\n garp_lower_prio_delay 4294\n garp_master_repeat 0\n"
        " garp_master_refresh 4294967295\n garp_lower_prio_repeat 2147483648"
    )
    config, found = _read(VI.format(body=body))
    vi = config.vrrp_instances[0]
    assert (vi.garp_master_delay, vi.garp_lower_prio_delay) == (None, 4294)
    assert (vi.garp_master_repeat, vi.garp_master_refresh) == (1, 4294967295)
    assert found == [
        (4, "number '4295' outside range [0, 4294]"),
        (6, "(VI_1): garp_master_repeat must be greater than 0, setting to 1"),
        (8, "number '2147483648' outside range [0, 2147483647]"),
    ]


def test_missing_track_script_and_file_are_reported_at_the_entry() -> None:
    body = " track_script {\n  nosuch\n }\n track_file {\n  nofile\n }"
    _config, found = _read(VI.format(body=body))
    assert found == [
        (5, "(VI_1) track script nosuch not found, ignoring..."),
        (8, "(VI_1) track file nofile not found, ignoring..."),
    ]


def test_sync_group_problems_are_reported_at_the_group() -> None:
    text = VI.format(body="") + "vrrp_sync_group G1 {\n group {\n  VI_1\n  VI_9\n }\n}\n"
    _config, found = _read(text)
    assert found == [
        (12, "Virtual router VI_9 specified in sync group G1 doesn't exist - ignoring"),
        (9, "Sync group G1 has only 1 virtual router(s) - this probably isn't what you want"),
    ]
