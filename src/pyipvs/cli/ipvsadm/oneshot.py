# SPDX-License-Identifier: Apache-2.0
"""A single change in its plainest spelling, sent with one C call before anything else is
imported: ``pyipvsadm -A -t 10.0.0.1:80 -s rr`` costs about the interpreter's own start.

A command line in exactly one of these shapes (the spellings ``-S -n`` writes, as argv words)::

    -A|-E -t|-u V4:PORT [-s SCHED] [-p SECONDS]
    -D    -t|-u V4:PORT
    -a|-e -t|-u V4:PORT -r V4[:PORT] [-m|-g|-i] [-w WEIGHT]
    -d    -t|-u V4:PORT -r V4[:PORT]

(IPv4 addresses in plain dotted decimal, decimal numbers without leading zeros and in range,
a service port other than 0, a scheduler name of lower-case letters, digits and ``_``) is
turned into its request message here, with the meaning the full parser gives it, and sent by
:func:`pyipvs._bindings.ipvs_once.send`. Anything else, and any failure of that one call
(no module, no permission, the kernel's refusal), goes to the full path
(:func:`pyipvs.cli.ipvsadm.main.execute`), which runs the command from the start: a refused
request changed nothing, so the second try gets the same answer and prints ipvsadm's message
for it. tests/unit/test_pyipvsadm_oneshot.py holds the request bytes of every taken command
line to the full path's, over the recorded ipvsadm corpus and generated lines.

Nothing is imported here but the binding and the compiled module (no :mod:`re`,
:mod:`ipaddress`, :mod:`dataclasses`, value objects or handle): each module costs a few dozen
syscalls at start-up, which User-Mode Linux and any VM make expensive.
"""

from __future__ import annotations

from pyipvs._bindings import ipvs_once as _once

_SERVICE_COMMANDS = {"-A": _once.CMD_NEW_SERVICE, "-E": _once.CMD_SET_SERVICE}
_SERVER_COMMANDS = {"-a": _once.CMD_NEW_DEST, "-e": _once.CMD_SET_DEST}
_PROTOCOLS = {"-t": 6, "-u": 17}  # IPPROTO_TCP, IPPROTO_UDP
_FORWARDS = {"-m": 0, "-i": 2, "-g": 3}  # IP_VS_CONN_F_MASQ, _TUNNEL, _DROUTE
_ROUTE = 3  # ipvsadm's default method
_PORT_MAX = 65535
_WEIGHT_MAX = 2**31 - 1
_TIMEOUT_MAX = 31 * 24 * 60 * 60  # arguments.MAX_TIMEOUT (that module costs more to import)
_SVC_F_PERSISTENT = 0x1
_SCHED_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_")
_LETTERS = frozenset("abcdefghijklmnopqrstuvwxyz")


# Command lines of the plain numeric listing, as the full parser reads them (the unit test
# checks each against it): the listing is made in C from the dumps (csrc/ipvs_list.c).
_PLAIN_LISTINGS = {
    ("-L", "-n"): False,
    ("-Ln",): False,
    ("-l", "-n"): False,
    ("-ln",): False,
    ("-L", "-n", "--nosort"): True,
    ("-Ln", "--nosort"): True,
}


def listing(argv: list[str]) -> str | None:
    """The text of a plain ``-L -n`` listing, or None for the full path (another command
    line, a failure, or a table the full path must look at: see ``ipvs_once.listing``)."""
    nosort = _PLAIN_LISTINGS.get(tuple(argv))
    if nosort is None:
        return None
    text = _once.listing(nosort)
    if text is None or not text.isascii():  # names the kernel gave: ASCII, else the full path
        return None
    return text.decode("ascii")


_COMMAND_NAMES = {
    "-A": "add-service",
    "-E": "edit-service",
    "-D": "delete-service",
    "-a": "add-server",
    "-e": "edit-server",
    "-d": "delete-server",
}
_ENOBUFS = 105  # an answer the kernel may have dropped (as Ipvs.apply reports it)


def restore_requests(text: str) -> tuple[list[str], list[bytes]] | None:
    """(command, request) of each line of a ``-R`` input in which every line is one of the
    shapes above, words separated by single spaces (a CR may end a line); else None."""
    lines = text.split("\n")
    if lines[-1] == "":
        lines.pop()
    commands, requests = [], []
    for line in lines:
        words = (line[:-1] if line.endswith("\r") else line).split(" ")
        message = request(words)
        if not message:
            return None
        commands.append(_COMMAND_NAMES[words[0]])
        requests.append(message)
    return (commands, requests) if requests else None


def restore_outcome(commands: list[str], rc: int, codes: list[int]) -> tuple[str, int]:
    """ipvsadm's messages for the failed lines, in order, and the exit status (the last
    line's: 0, or -1 for a failure). Lines the batch did not run (it stopped on a socket
    failure, rc) are reported with that failure."""
    from pyipvs.cli.ipvsadm.messages import ipvs_strerror

    errors = []
    for command, code in zip(commands, codes, strict=True):
        if code == _once.NOT_RUN:
            code = rc
        elif code == _once.UNKNOWN:
            code = -_ENOBUFS
        if code:
            errors.append(ipvs_strerror(command, -code) + "\n")
    return "".join(errors), -1 if codes[-1] else 0


def run(argv: list[str]) -> bool:
    """True if argv was one of the shapes above and the kernel took its request."""
    message = request(argv)
    return bool(message) and _once.send(message) == 0


def request(argv: list[str]) -> bytes:
    """The request message of argv, or b"" when argv is not one of the shapes."""
    if len(argv) < 3 or argv[1] not in _PROTOCOLS:
        return b""
    service = _service(argv[1], argv[2])
    if service is None:
        return b""
    command, rest = argv[0], argv[3:]
    if command in _SERVICE_COMMANDS:
        if not _service_options(service, rest):
            return b""
        return _once.request(_SERVICE_COMMANDS[command], service, True)
    if command == "-D":
        return b"" if rest else _once.request(_once.CMD_DEL_SERVICE, service, False)
    if len(rest) < 2 or rest[0] != "-r":
        return b""
    dest = _dest(rest[1], service["port"])  # type: ignore[arg-type]
    if dest is None:
        return b""
    if command in _SERVER_COMMANDS:
        if not _dest_options(dest, rest[2:], service["port"]):  # type: ignore[arg-type]
            return b""
        return _once.request(_SERVER_COMMANDS[command], service, False, dest, True)
    if command == "-d" and len(rest) == 2:
        return _once.request(_once.CMD_DEL_DEST, service, False, dest, False)
    return b""


def _service(selector: str, endpoint: str) -> dict[str, object] | None:
    address, colon, port = endpoint.partition(":")
    octets = _ipv4(address)
    number = _number(port)
    if octets is None or not colon or number is None or not 0 < number <= _PORT_MAX:
        return None
    return {
        "af": _once.AF_INET,
        "protocol": _PROTOCOLS[selector],
        "addr": octets,
        "port": number,
        "sched_name": b"wlc",  # ipvsadm's default
        "flags_mask": 0xFFFFFFFF,  # the service is given whole: every flag bit is meant
        "netmask": 0xFFFFFFFF,  # 255.255.255.255, the model's default for IPv4
    }


def _service_options(service: dict[str, object], words: list[str]) -> bool:
    """-s NAME then -p SECONDS, each optional, in the order ``-S`` writes them."""
    if words[:1] == ["-s"]:
        if len(words) < 2 or not _scheduler(words[1]):
            return False
        service["sched_name"] = words[1].encode()
        words = words[2:]
    if words[:1] == ["-p"]:
        timeout = _number(words[1]) if len(words) >= 2 else None
        if timeout is None or not 0 < timeout <= _TIMEOUT_MAX:
            return False
        service["timeout"] = timeout
        service["flags"] = _SVC_F_PERSISTENT
        words = words[2:]
    return not words


def _dest(endpoint: str, service_port: int) -> dict[str, object] | None:
    address, colon, port = endpoint.partition(":")
    octets = _ipv4(address)
    number = _number(port) if colon else service_port  # no port: the service's
    if octets is None or number is None or number > _PORT_MAX:
        return None
    return {"af": _once.AF_INET, "addr": octets, "port": number, "fwd_method": _ROUTE,
            "weight": 1}  # fmt: skip


def _dest_options(dest: dict[str, object], words: list[str], service_port: int) -> bool:
    """[-m|-g|-i] then [-w WEIGHT], in the order ``-S`` writes them."""
    if words and words[0] in _FORWARDS:
        dest["fwd_method"] = _FORWARDS[words[0]]
        words = words[1:]
    if dest["fwd_method"] != _FORWARDS["-m"]:
        dest["port"] = service_port  # ipvsadm: direct routing and tunnels use the service's
    if words[:1] == ["-w"]:
        weight = _number(words[1]) if len(words) >= 2 else None
        if weight is None or weight > _WEIGHT_MAX:
            return False
        dest["weight"] = weight
        words = words[2:]
    return not words


def _ipv4(text: str) -> list[int] | None:
    """The four octets of a plain dotted-decimal address (no leading zeros), else None."""
    parts = text.split(".")
    if len(parts) != 4:
        return None
    octets = []
    for part in parts:
        value = _number(part)
        if value is None or value > 255:
            return None
        octets.append(value)
    return octets


def _number(text: str) -> int | None:
    """A decimal number of at most ten ASCII digits without a leading zero ("0" itself is
    one), else None."""
    if not (0 < len(text) <= 10 and text.isascii() and text.isdigit()):
        return None
    if text[0] == "0" and len(text) > 1:
        return None
    return int(text)


def _scheduler(name: str) -> bool:
    return 0 < len(name) <= 15 and name[0] in _LETTERS and set(name) <= _SCHED_CHARS
