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
    command = argv[0]
    if command in _SERVICE_COMMANDS:
        service = _service_nests(tuple(argv[1:]))
        return b"" if service is None else _once.message(_SERVICE_COMMANDS[command], service[0])
    if command == "-D":
        service = _service_nests((argv[1], argv[2])) if len(argv) == 3 else None
        return b"" if service is None else _once.message(_once.CMD_DEL_SERVICE, service[1])
    if len(argv) < 5 or argv[3] != "-r":
        return b""
    service = _service_nests((argv[1], argv[2]))
    if service is None:
        return b""
    if command in _SERVER_COMMANDS:
        dest = _dest_nests(True, service[2], tuple(argv[4:]))
        if dest is None:
            return b""
        return _once.message(_SERVER_COMMANDS[command], service[1] + dest[0])
    if command == "-d" and len(argv) == 5:
        dest = _dest_nests(False, service[2], (argv[4],))
        return b"" if dest is None else _once.message(_once.CMD_DEL_DEST, service[1] + dest[1])
    return b""


# Nests per spelling (whole, key-only, and for a service its port; None: not a shape), made by
# the C codec once: a restore names each service in five lines and the same real servers often.
_Nests = tuple[bytes, bytes, int]
_SERVICES: dict[tuple[str, ...], _Nests | None] = {}
_DESTS: dict[tuple[object, ...], tuple[bytes, bytes] | None] = {}


def _service_nests(words: tuple[str, ...]) -> _Nests | None:
    """The nests of ``-t|-u V4:PORT [options]``; the options are those of -A and -E."""
    if words in _SERVICES:
        return _SERVICES[words]
    made: _Nests | None = None
    service = _service(words[0], words[1])
    if service is not None and _service_options(service, list(words[2:])):
        full, key = _once.service_nests(service)
        made = (full, key, service["port"]) if full else None  # type: ignore[assignment]
    if len(_SERVICES) < _CACHE_LIMIT:
        _SERVICES[words] = made
    return made


def _dest_nests(
    add_or_edit: bool, service_port: int, words: tuple[str, ...]
) -> tuple[bytes, bytes] | None:
    """The nests of ``V4[:PORT] [options]`` (-a and -e's options, or none for -d)."""
    key = (add_or_edit, service_port, words)
    if key in _DESTS:
        return _DESTS[key]
    made = None
    dest = _dest(words[0], service_port)
    if dest is not None and (not add_or_edit or _dest_options(dest, list(words[1:]), service_port)):
        made = _once.dest_nests(dest)
        made = made if made[0] else None
    if len(_DESTS) < _CACHE_LIMIT:
        _DESTS[key] = made
    return made


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


_CACHE_LIMIT = 1 << 16  # parsed words: a restore names the same addresses and ports often
_OCTETS: dict[str, list[int] | None] = {}
_NUMBERS: dict[str, int | None] = {}


def _ipv4(text: str) -> list[int] | None:
    """The four octets of a plain dotted-decimal address (no leading zeros), else None."""
    if text in _OCTETS:
        return _OCTETS[text]
    parts = text.split(".")
    octets: list[int] | None = None
    if len(parts) == 4:
        values = [_number(part) for part in parts]
        if all(v is not None and v <= 255 for v in values):
            octets = values  # type: ignore[assignment]
    if len(_OCTETS) < _CACHE_LIMIT:
        _OCTETS[text] = octets
    return octets


def _number(text: str) -> int | None:
    """A decimal number of at most ten ASCII digits without a leading zero ("0" itself is
    one), else None."""
    if text in _NUMBERS:
        return _NUMBERS[text]
    value = None
    plain = 0 < len(text) <= 10 and text.isascii() and text.isdigit()
    if plain and (text[0] != "0" or len(text) == 1):
        value = int(text)
    if len(_NUMBERS) < _CACHE_LIMIT:
        _NUMBERS[text] = value
    return value


def _scheduler(name: str) -> bool:
    return 0 < len(name) <= 15 and name[0] in _LETTERS and set(name) <= _SCHED_CHARS
