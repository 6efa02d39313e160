# SPDX-License-Identifier: Apache-2.0
"""keepalived 2.2.7's signal dump files, rendered from a status document, for the tools that
parse them: SIGUSR1 writes ``keepalived.data``, SIGUSR2 ``keepalived.stats``, the JSON signal
(SIGRTMIN+2) ``keepalived.json``, in ``$TMPDIR`` or ``/tmp`` as keepalived does.

The layouts follow dumps of a real keepalived 2.2.7 (the netns test compares them): the
``.stats`` file line for line, ``.json`` key for key, ``.data`` the VRRP Topology lines a
status document can fill, in keepalived's order and wording. What the live API knows and the
dumps cannot carry (codec drop reasons, lateness) stays in the API.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

DATA_FILE = "keepalived.data"
STATS_FILE = "keepalived.stats"
JSON_FILE = "keepalived.json"
#: keepalived's state numbers (vrrp.h): the ``state`` / ``wantstate`` of its JSON dump.
STATE_NUMBERS = {"INIT": 0, "BACKUP": 1, "MASTER": 2, "FAULT": 3}
_GROUPS = {4: "224.0.0.18", 6: "ff02::12"}
#: keepalived's gratuitous ARP defaults; the document does not carry these settings.
GARP_DEFAULTS = {
    "garp_delay": 5,
    "garp_refresh": 0,
    "garp_rep": 5,
    "garp_refresh_rep": 1,
    "garp_lower_prio_delay": 5,
    "garp_lower_prio_rep": 5,
}
# Codec drop reasons -> keepalived's packet error counters (vrrp.h stats).
_CODEC_TO_STATS = {
    "truncated": "packet_len_err",
    "ip_header": "packet_len_err",
    "length": "packet_len_err",
    "no_addresses": "packet_len_err",
    "ttl": "ip_ttl_err",
    "type": "invalid_type_rcvd",
    "interval": "advert_interval_err",
    "address_list": "addr_list_err",
    "auth_type": "invalid_authtype",
    "auth_data": "auth_failure",
}


def dump_dir() -> Path:
    """Where keepalived writes its dumps: ``$TMPDIR``, else ``/tmp``."""
    return Path(os.environ.get("TMPDIR") or "/tmp")


def _instances(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    return (doc.get("vrrp") or {}).get("instances") or {}


# ----- keepalived.stats (SIGUSR2) -------------------------------------------------------


def instance_stats(vi: Mapping[str, Any]) -> dict[str, int]:
    """keepalived's per-instance counters (the ``stats`` object of its JSON dump)."""
    stats = dict.fromkeys(
        (
            "advert_rcvd",
            "advert_sent",
            "become_master",
            "release_master",
            "packet_len_err",
            "advert_interval_err",
            "ip_ttl_err",
            "invalid_type_rcvd",
            "addr_list_err",
            "invalid_authtype",
            "authtype_mismatch",
            "auth_failure",
            "pri_zero_rcvd",
            "pri_zero_sent",
        ),
        0,
    )
    adverts = vi["adverts"]
    stats["advert_rcvd"], stats["advert_sent"] = adverts["received"], adverts["sent"]
    for change, count in vi["transitions"].items():
        old, new = change.split("->")
        stats["become_master"] += count if new == "MASTER" else 0
        stats["release_master"] += count if old == "MASTER" else 0
    for reason, count in vi["dropped"].items():
        if reason in _CODEC_TO_STATS:
            stats[_CODEC_TO_STATS[reason]] += count
    stats["advert_interval_err"] += vi["rejected"].get("interval_mismatch", 0)
    stats["pri_zero_rcvd"] = adverts.get("priority_zero_received") or 0
    stats["pri_zero_sent"] = adverts.get("priority_zero_sent") or 0
    return stats


def stats_text(doc: Mapping[str, Any]) -> str:
    """``keepalived.stats``, as keepalived 2.2.7 lays it out."""
    lines: list[str] = []
    for name, vi in _instances(doc).items():
        s = instance_stats(vi)
        lines += [
            f"VRRP Instance: {name}",
            "  Advertisements:",
            f"    Received: {s['advert_rcvd']}",
            f"    Sent: {s['advert_sent']}",
            f"  Became master: {s['become_master']}",
            f"  Released master: {s['release_master']}",
            "  Packet Errors:",
            f"    Length: {s['packet_len_err']}",
            f"    TTL: {s['ip_ttl_err']}",
            f"    Invalid Type: {s['invalid_type_rcvd']}",
            f"    Advertisement Interval: {s['advert_interval_err']}",
            f"    Address List: {s['addr_list_err']}",
            "  Authentication Errors:",
            f"    Invalid Type: {s['invalid_authtype']}",
            f"    Type Mismatch: {s['authtype_mismatch']}",
            f"    Failure: {s['auth_failure']}",
            "  Priority Zero:",
            f"    Received: {s['pri_zero_rcvd']}",
            f"    Sent: {s['pri_zero_sent']}",
        ]
    return "".join(line + "\n" for line in lines)


# ----- keepalived.json (SIGRTMIN+2) -----------------------------------------------------


def json_document(doc: Mapping[str, Any]) -> list[dict[str, Any]]:
    """``keepalived.json``: one ``{"data": ..., "stats": ...}`` per instance, keepalived's keys."""
    return [
        {"data": _json_data(name, vi), "stats": instance_stats(vi)}
        for name, vi in _instances(doc).items()
    ]


def _json_data(name: str, vi: Mapping[str, Any]) -> dict[str, Any]:
    last = vi.get("last_transition")
    master = vi["state"] == "MASTER"
    return {
        "iname": name,
        "dont_track_primary": 0,
        "skip_check_adv_addr": 0,
        "strict_mode": 0,
        "vmac_ifname": "",
        "ifp_ifname": vi.get("interface") or "",
        "master_priority": vi.get("master_priority") or 0,
        "last_transition": 0.0 if last is None else last["time"],
        **GARP_DEFAULTS,
        "lower_prio_no_advert": 0,
        "higher_prio_send_advert": 0,
        "vrid": vi["vrid"],
        "base_priority": vi["priority"]["configured"],
        "effective_priority": vi["priority"]["effective"],
        "vipset": master,
        "promote_secondaries": False,
        "adver_int": _number(vi["advert_interval"]),
        "master_adver_int": _number(vi["master_adver_interval"]),
        "accept": 1,
        "nopreempt": not vi.get("preempt", True),
        "preempt_delay": _number(vi.get("preempt_delay", 0)),
        "state": STATE_NUMBERS[vi["state"]],
        "wantstate": STATE_NUMBERS[vi["state"]],
        "version": vi["version"],
        "smtp_alert": False,
        "notify_deleted": False,
        "vips": [_vip(address, vi, master) for address in vi["vips"]],
        "auth_type": 0,
    }


def _number(value: float) -> float | int:
    # keepalived prints whole seconds as integers (1) and others as decimals (0.5)
    return int(value) if value == int(value) else value


def _vip(address: str, vi: Mapping[str, Any], installed: bool) -> str:
    device = f" dev {vi['interface']}" if vi.get("interface") else ""
    return f"{address}{device} scope global{' set' if installed else ''}"


# ----- keepalived.data (SIGUSR1) --------------------------------------------------------


def _stamp(when: float) -> str:
    # keepalived: "1796346073.938786 (Fri Dec  4 01:01:13.938786 2026)"
    text = f"{when:.6f}"
    whole, micros = text.split(".")
    local = time.localtime(int(whole))
    day = time.strftime("%a %b %e %H:%M:%S", local)
    return f"{text} ({day}.{micros} {time.strftime('%Y', local)})"


def _interval(seconds: float) -> str:
    if seconds == int(seconds):
        return f"{int(seconds)} sec"
    return f"{round(seconds * 1000)} milli-sec"


def data_text(doc: Mapping[str, Any], router_id: str | None = None) -> str:
    """``keepalived.data``: the Global definitions it can fill (the router id) and the VRRP
    Topology, each instance's lines in keepalived 2.2.7's order and wording."""
    lines = ["------< Global definitions >------"]
    if router_id is not None:
        lines.append(f" Router ID = {router_id}")
    lines.append("------< VRRP Topology >------")
    for name, vi in _instances(doc).items():
        lines += _instance_data(name, vi)
    return "".join(line + "\n" for line in lines)


def _instance_data(name: str, vi: Mapping[str, Any]) -> list[str]:
    last = vi.get("last_transition")
    lines = [
        f" VRRP Instance = {name}",
        f"   VRRP Version = {vi['version']}",
        f"   State = {vi['state']}",
        f"   Wantstate = {vi['state']}",
    ]
    if last is not None:
        lines.append(f"   Last transition = {_stamp(last['time'])}")
    lines.append(f"   Master down timer = {int(vi['master_down_interval'] * 1e6)} usecs")
    if vi.get("interface"):
        lines.append(f"   Interface = {vi['interface']}")
    lines += [
        f"   Using src_ip = {vi['primary_address']}",
        f"   Multicast address {_GROUPS[vi['family']]}",
        f"   Virtual Router ID = {vi['vrid']}",
        f"   Priority = {vi['priority']['configured']}",
        f"   Effective priority = {vi['priority']['effective']}",
        f"   Advert interval = {_interval(vi['advert_interval'])}",
        f"   Preempt = {'enabled' if vi.get('preempt', True) else 'disabled'}",
        f"   Virtual IP ({len(vi['vips'])}):",
    ]
    master = vi["state"] == "MASTER"
    lines += [f"     {_vip(address, vi, master)}" for address in vi["vips"]]
    return lines


# ----- writing --------------------------------------------------------------------------


def write_dump(name: str, text: str, directory: Path | None = None) -> Path:
    """Writes one dump file (mode 0600, as keepalived's umask 0177 makes them), replacing the
    previous one in one step; returns its path."""
    path = (directory or dump_dir()) / name
    temporary = path.with_name(f".{name}.{os.getpid()}")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
        raise
    return path


def write_json_dump(doc: Mapping[str, Any], directory: Path | None = None) -> Path:
    """``keepalived.json`` from *doc*: one compact line, as keepalived writes it."""
    text = json.dumps(json_document(doc), separators=(",", ":"), allow_nan=False)
    return write_dump(JSON_FILE, text + "\n", directory)
