# SPDX-License-Identifier: Apache-2.0
"""The BIRD driver against a real BIRD 2 (no BGP session: its control socket and its RIB).

What BIRD says is what is checked: ``show route`` after a publish, the refusal of a
configuration the operator broke (reported, not hidden), a socket nobody listens on, and a
restart seen as a new identity while the include file alone re-announces."""

from __future__ import annotations

import asyncio
import ipaddress
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from waiting import wait_for

from pyipvs.daemon.bgp.bird import BirdSpeaker, SpeakerError, command

A = ipaddress.ip_network("10.0.0.1/32")
V6 = ipaddress.ip_network("2001:db8::1/128")
CONF = 'router id 192.0.2.1;\nprotocol device {{}}\ninclude "{include}";\n'


class Bird:
    def __init__(self, tmp: Path) -> None:
        self.conf, self.control = tmp / "bird.conf", tmp / "bird.ctl"
        self.include = tmp / "vips.conf"
        self.conf.write_text(CONF.format(include=self.include))
        self.include.write_text("")
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        argv = ["bird", "-f", "-c", str(self.conf), "-s", str(self.control)]
        self.proc = subprocess.Popen(argv)
        wait_for(self.control.exists, "BIRD's control socket")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            self.proc.wait(30)


@pytest.fixture
def bird(root: None, tmp_path: Path) -> Iterator[Bird]:
    speaker = Bird(tmp_path)
    speaker.start()
    yield speaker
    speaker.stop()


def routes(bird: Bird) -> str:
    reply = asyncio.run(command(str(bird.control), "show route"))
    assert reply.ok
    return "\n".join(reply.lines)


def test_publish_puts_the_routes_in_birds_rib(bird: Bird) -> None:
    speaker = BirdSpeaker(str(bird.control), str(bird.include), "pyipvs_vips")
    asyncio.run(speaker.publish([A, V6]))
    shown = routes(bird)
    assert "10.0.0.1/32          blackhole [pyipvs_vips4" in shown
    assert "2001:db8::1/128      blackhole [pyipvs_vips6" in shown
    asyncio.run(speaker.publish([]))
    assert "blackhole" not in routes(bird)


def test_a_configuration_the_operator_broke_is_reported(bird: Bird) -> None:
    speaker = BirdSpeaker(str(bird.control), str(bird.include), "pyipvs_vips")
    asyncio.run(speaker.publish([A]))
    bird.conf.write_text(bird.conf.read_text() + "protocol bgp {\n")  # a half-written edit
    with pytest.raises(SpeakerError, match="BIRD refused configure"):
        asyncio.run(speaker.publish([]))
    assert "10.0.0.1/32" in routes(bird)  # BIRD kept its running configuration


def test_a_bird_conf_without_the_include_is_reported(bird: Bird) -> None:
    bird.conf.write_text("router id 192.0.2.1;\nprotocol device {}\n")  # the include forgotten
    speaker = BirdSpeaker(str(bird.control), str(bird.include), "pyipvs_vips")
    with pytest.raises(SpeakerError, match="BIRD has no protocol pyipvs_vips4: does its conf"):
        asyncio.run(speaker.publish([A]))


def test_no_speaker_no_socket(tmp_path: Path) -> None:
    speaker = BirdSpeaker(str(tmp_path / "none.ctl"), str(tmp_path / "vips.conf"), "vips")
    with pytest.raises(SpeakerError, match="No such file or directory"):
        asyncio.run(speaker.identity())


def test_a_restarted_bird_has_a_new_identity_and_reads_the_file(bird: Bird) -> None:
    speaker = BirdSpeaker(str(bird.control), str(bird.include), "pyipvs_vips")
    before = asyncio.run(speaker.identity())
    assert before.startswith("BIRD 2.")
    asyncio.run(speaker.publish([A]))
    bird.stop()
    bird.control.unlink(missing_ok=True)
    bird.start()
    assert "10.0.0.1/32" in routes(bird)  # from the include file, before anyone asks
    wait_for(lambda: asyncio.run(speaker.identity()) != before, "a new Last reboot")


def test_bfd_asked_for_runs_birds_bfd_protocol_with_our_timers(bird: Bird) -> None:
    speaker = BirdSpeaker(str(bird.control), str(bird.include), "pyipvs_vips", bfd=(0.05, 4))
    asyncio.run(speaker.publish([A]))
    reply = asyncio.run(command(str(bird.control), 'show protocols all "pyipvs_vips_bfd"'))
    assert reply.ok
    assert any(line.split()[:3] == ["pyipvs_vips_bfd", "BFD", "---"] for line in reply.lines)
    asyncio.run(speaker.publish([]))  # withdrawing every route keeps BFD running
    reply = asyncio.run(command(str(bird.control), 'show protocols "pyipvs_vips_bfd"'))
    assert any(line.startswith("pyipvs_vips_bfd") and " up " in line for line in reply.lines)
