# SPDX-License-Identifier: Apache-2.0
"""The announcer's decisions: which addresses, when to publish, back-off, restart, stop.

The speaker here is a stand-in that records what it is told and fails on demand: BIRD is
not ours (the real one is driven in tests/netns/test_bgp_bird.py and the kernel tier)."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import Iterable

import pytest

from pyipvs.daemon.bgp.announcer import Announcer, retry_delay, vips_with_quorum
from pyipvs.daemon.bgp.bird import IPNetwork, ReplyReader, SpeakerError, render_include

A = ipaddress.ip_network("10.0.0.1/32")
B = ipaddress.ip_network("10.0.0.2/32")
V6 = ipaddress.ip_network("2001:db8::5/128")


class RecordingSpeaker:
    name = "stand-in"

    def __init__(self) -> None:
        self.published: list[frozenset[IPNetwork]] = []
        self.written: list[frozenset[IPNetwork]] = []
        self.who = "BIRD 2.0.12 Last reboot on 1"
        self.broken: str | None = None

    def write(self, networks: Iterable[IPNetwork]) -> None:
        self.written.append(frozenset(networks))

    async def publish(self, networks: Iterable[IPNetwork]) -> None:
        self.write(networks)
        if self.broken:
            raise SpeakerError(self.broken)
        self.published.append(frozenset(networks))

    async def identity(self) -> str:
        if self.broken:
            raise SpeakerError(self.broken)
        return self.who


def run(coro: object) -> object:
    return asyncio.run(coro)  # type: ignore[arg-type]


def test_an_address_needs_quorum_on_every_service_using_it() -> None:
    services = [
        ("10.0.0.1", True),
        ("10.0.0.1", True),  # port 443 of the same address
        ("10.0.0.2", True),
        ("10.0.0.2", False),
        ("10.0.0.3", None),  # not evaluated yet
        (None, True),  # a firewall mark: no address to announce
        (ipaddress.ip_address("2001:db8::5"), True),
    ]
    assert vips_with_quorum(services) == {A, V6}


def test_retry_delay_doubles_up_to_its_cap() -> None:
    assert [retry_delay(n, 3.0) for n in range(1, 6)] == [0.5, 1.0, 2.0, 3.0, 3.0]


def test_publishes_on_change_only() -> None:
    async def scenario() -> RecordingSpeaker:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker)
        announcer.want([A])
        assert await announcer.attempt() == announcer.check_interval
        await announcer.attempt()  # nothing changed: only the identity is asked
        announcer.want([A, B])
        await announcer.attempt()
        announcer.want([B])
        await announcer.attempt()
        assert announcer.status()["announced"] == ["10.0.0.2/32"]
        assert announcer.status()["state"] == "up"
        return speaker

    speaker = run(scenario())
    assert isinstance(speaker, RecordingSpeaker)
    assert speaker.published == [{A}, {A, B}, {B}]


def test_failures_back_off_and_republish_when_the_speaker_answers() -> None:
    async def scenario() -> tuple[RecordingSpeaker, list[float], dict[str, object]]:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker, retry_max=1.5)
        announcer.want([A])
        await announcer.attempt()
        speaker.broken = "connection refused"
        delays = [await announcer.attempt() for _ in range(4)]
        down = announcer.status()
        speaker.broken = None
        delays.append(await announcer.attempt())
        return speaker, delays, down

    speaker, delays, down = run(scenario())  # type: ignore[misc]
    assert delays == [0.5, 1.0, 1.5, 1.5, 5.0]
    assert down["state"] == "down"
    assert down["announced"] is None  # unknown while the speaker does not answer
    assert down["consecutive_failures"] == 4
    assert down["last_error"] == "connection refused"
    # the same set again once it answers: a restarted speaker may hold anything
    assert speaker.published == [{A}, {A}]


def test_a_restarted_speaker_is_told_again() -> None:
    async def scenario() -> tuple[RecordingSpeaker, Announcer]:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker)
        announcer.want([A])
        await announcer.attempt()
        speaker.who = "BIRD 2.0.12 Last reboot on 2"
        await announcer.attempt()
        return speaker, announcer

    speaker, announcer = run(scenario())  # type: ignore[misc]
    assert speaker.published == [{A}, {A}]
    assert announcer.restarts_seen == 1


def test_close_withdraws_and_empties_the_file_even_when_the_speaker_is_down() -> None:
    async def scenario(broken: str | None) -> RecordingSpeaker:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker)
        announcer.want([A, B])
        await announcer.attempt()
        speaker.broken = broken
        await announcer.close()
        return speaker

    up = run(scenario(None))
    assert isinstance(up, RecordingSpeaker)
    assert up.published[-1] == frozenset()
    down = run(scenario("gone"))
    assert isinstance(down, RecordingSpeaker)
    assert down.published == [{A, B}]  # the withdrawal could not be told...
    assert down.written[-1] == frozenset()  # ...but the file no longer announces anything


def test_run_wakes_at_once_on_a_change() -> None:
    async def scenario() -> RecordingSpeaker:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker, check_interval=3600)
        announcer.start()
        await asyncio.sleep(0)
        announcer.want([A])
        for _ in range(100):
            await asyncio.sleep(0)
            if speaker.published and speaker.published[-1] == {A}:
                break
        await announcer.shutdown()
        return speaker

    speaker = run(scenario())
    assert isinstance(speaker, RecordingSpeaker)
    assert speaker.published[-2:] == [{A}, frozenset()]  # woken long before check_interval


def test_reply_reader_follows_birdc_framing() -> None:
    reader = ReplyReader()
    assert reader.feed("0002-Reading configuration from /etc/bird/bird.conf\n") is None
    reply = reader.feed("0003 Reconfigured\n")
    assert reply is not None and reply.code == 3 and reply.ok
    assert reader.feed("1000-BIRD 2.0.12\n") is None
    assert reader.feed(" continued\n") is None
    error = reader.feed("9001 syntax error, unexpected CF_SYM_UNDEFINED\n")
    assert error is not None and not error.ok
    assert error.lines == ("BIRD 2.0.12", "continued", "syntax error, unexpected CF_SYM_UNDEFINED")
    with pytest.raises(SpeakerError):
        reader.feed("garbage\n")


def test_include_has_both_protocols_in_address_order() -> None:
    text = render_include("vips", [B, V6, A])
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == [
        "protocol static vips4 {",
        "    ipv4;",
        "    route 10.0.0.1/32 blackhole;",
        "    route 10.0.0.2/32 blackhole;",
        "}",
        "protocol static vips6 {",
        "    ipv6;",
        "    route 2001:db8::5/128 blackhole;",
        "}",
    ]


def test_include_with_bfd_ends_with_a_bfd_protocol_in_microseconds() -> None:
    text = render_include("vips", [A], bfd=(0.05, 3))
    timers = "min rx interval 50000 us; min tx interval 50000 us; multiplier 3;"
    assert text.endswith(
        f'protocol bfd vips_bfd {{\n    interface "*" {{ {timers} }};\n'
        f"    multihop {{ {timers} }};\n}}\n"
    )
    assert "protocol bfd" not in render_include("vips", [A])


def test_after_shutdown_no_evaluation_announces_again() -> None:
    async def scenario() -> RecordingSpeaker:
        speaker = RecordingSpeaker()
        announcer = Announcer(speaker, check_interval=3600)
        announcer.want([A])
        announcer.start()
        for _ in range(100):
            await asyncio.sleep(0)
            if speaker.published:
                break
        await announcer.shutdown()
        announcer.want([A])  # the checker's last sync, after the withdrawal
        await announcer.shutdown()  # the context's exit: nothing more
        await announcer.attempt()
        return speaker

    speaker = run(scenario())
    assert isinstance(speaker, RecordingSpeaker)
    assert speaker.published == [{A}, frozenset()]
