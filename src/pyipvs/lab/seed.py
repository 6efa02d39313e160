# SPDX-License-Identifier: Apache-2.0
"""The seed chapter's keepalived.conf (``seed.conf``, its fragments assembled verbatim) and the
edits the lab makes to it: each one named, with its reason, applied to exact text, so the lab
can print them and a test can check that every one still applies.

The lab changes only what keepalived 2.2.7 does not accept as written, what the seed's own prose
contradicts, and what must point at this machine (script paths, the page digest)."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources

LOAD_BALANCERS = ("lb1", "lb2")


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` (which must occur in the text) by ``new``; ``why`` is shown to the user."""

    why: str
    old: str
    new: str
    only: str | None = None  # a load balancer's name: the edit is for its config alone

    def apply(self, text: str) -> str:
        if self.old not in text:
            raise ValueError(f"the seed's text no longer holds {self.old!r} ({self.why})")
        return text.replace(self.old, self.new)


def seed_text() -> str:
    """The seed chapter's keepalived.conf, as the chapter prints it."""
    return resources.files("pyipvs.lab").joinpath("seed.conf").read_text()


def edits(lb: str, digest: str, script_dir: str, delay_loop: int | None) -> list[Edit]:
    """The edits for load balancer ``lb``: ``digest`` is rs2's page digest, ``script_dir`` the
    directory of its notify scripts, ``delay_loop`` an optional override of the seed's 30 s."""
    found = [
        Edit(
            "keepalived 2.x does not know lvs_id (1.x's name for router_id)",
            "lvs_id LVS_MAIN",
            "router_id LVS_MAIN",
        ),
        Edit(
            "clients browse http://10.0.0.5 (the seed's own ipvsadm listing shows "
            "TCP 10.0.0.5:www); 192.168.0.1 is the real servers' gateway",
            "virtual_server 192.168.0.1 80 {",
            "virtual_server 10.0.0.5 80 {",
        ),
        Edit(
            "the gateway VIP lives on the real servers' LAN (eth1), so its gratuitous "
            "ARPs reach rs1 and rs2 after a failover",
            "    192.168.0.1\n    }",
            "    192.168.0.1 dev eth1\n    }",
        ),
        Edit(
            "keepalived reads a word on a line of its own as a keyword ('Unknown keyword 80')",
            "sorry_server 192.168.0.1\n   80",
            "sorry_server 192.168.0.1 80",
        ),
        Edit(
            "keepalived takes one keyword per line: 'connect_timeout 3' after connect_port "
            "is ignored",
            "TCP_CHECK { connect_port 80 connect_timeout 3",
            "TCP_CHECK {\n    connect_port 80\n    connect_timeout 3",
        ),
        Edit(
            "the MD5 of rs2's page in this lab, computed with pyipvs-genhash",
            "digest 69c520033af926d40e7d5d832e3933f6",
            f"digest {digest}",
        ),
        Edit(
            "the lab's notify scripts, which log every call",
            "/path_to_script/",
            f"{script_dir}/",
        ),
        Edit(
            "the seed gives the second load balancer 'state SLAVE', which keepalived reads "
            "as BACKUP with an error; BACKUP says it",
            "state MASTER",
            "state BACKUP",
            only="lb2",
        ),
    ]
    if delay_loop is not None:
        found.append(
            Edit(
                f"--delay-loop {delay_loop}: checks every {delay_loop} s instead of 30 s",
                "delay_loop 30",
                f"delay_loop {delay_loop}",
            )
        )
    return [edit for edit in found if edit.only in (None, lb)]


def render(lb: str, digest: str, script_dir: str, delay_loop: int | None = None) -> str:
    """The keepalived.conf the lab gives load balancer ``lb``."""
    text = seed_text()
    for edit in edits(lb, digest, script_dir, delay_loop):
        text = edit.apply(text)
    return text


__all__ = ["LOAD_BALANCERS", "Edit", "edits", "render", "seed_text"]
