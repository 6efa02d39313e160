"""Records raw IPVS dump replies from the running kernel, for the codec's golden-bytes tests.

Run as root on a kernel with ip_vs (e.g. in the test VM)::

    scripts/kernel-tier.sh -- .venv/bin/python tests/data/ipvs/capture.py

It creates the rules below in a fresh network namespace with ipvsadm, dumps them over a plain
Python netlink socket (not pyipvs's C code, so the bytes are independent of what they test) and
writes every data message of the replies to *.bin here, plus provenance.txt.
"""

from __future__ import annotations

import os
import socket
import struct
import subprocess
import sys
import uuid
from pathlib import Path

HERE = Path(__file__).resolve().parent
RULES = """\
-A -t 10.0.0.1:80 -s rr
-a -t 10.0.0.1:80 -r 10.1.0.1:8080 -m -w 3 -x 100 -y 10
-a -t 10.0.0.1:80 -r 10.1.0.2:80 -i -w 1 --tun-type gue --tun-port 6080 --tun-csum
-A -u [2001:db8::1]:53 -s sh -p 60 -M 64 -b sh-port
-A -f 42 -s mh -b mh-fallback,mh-port -o
"""
GENL_ID_CTRL, CTRL_CMD_GETFAMILY, CTRL_ATTR_FAMILY_ID, CTRL_ATTR_FAMILY_NAME = 0x10, 3, 1, 2
NLM_F_REQUEST, NLM_F_ACK, NLM_F_DUMP = 0x1, 0x4, 0x300
NLMSG_ERROR, NLMSG_DONE = 2, 3
IPVS_CMD_GET_SERVICE, IPVS_CMD_GET_DEST = 4, 8


def attr(kind: int, payload: bytes) -> bytes:
    raw = struct.pack("=HH", 4 + len(payload), kind) + payload
    return raw + bytes(-len(raw) % 4)


def message(kind: int, flags: int, seq: int, cmd: int, payload: bytes = b"") -> bytes:
    body = struct.pack("=BBH", cmd, 1, 0) + payload
    return struct.pack("=IHHII", 16 + len(body), kind, flags, seq, 0) + body


def exchange(sock: socket.socket, request: bytes) -> list[bytes]:
    sock.send(request)
    out = []
    while True:
        data = sock.recv(65536)
        off = 0
        while off < len(data):
            length, kind = struct.unpack_from("=IH", data, off)
            if kind == NLMSG_DONE:
                return out
            if kind == NLMSG_ERROR:
                (error,) = struct.unpack_from("=i", data, off + 16)
                if error:
                    raise OSError(-error, os.strerror(-error))
                return out
            out.append(data[off : off + length])
            off += (length + 3) & ~3


def family_id(sock: socket.socket) -> int:
    (reply,) = exchange(
        sock,
        message(GENL_ID_CTRL, NLM_F_REQUEST | NLM_F_ACK, 1, CTRL_CMD_GETFAMILY, attr(2, b"IPVS\0")),
    )
    off = 20
    while off < len(reply):
        length, kind = struct.unpack_from("=HH", reply, off)
        if kind == CTRL_ATTR_FAMILY_ID:
            return int(struct.unpack_from("=H", reply, off + 4)[0])
        off += (length + 3) & ~3
    raise LookupError("no family id")


def capture() -> None:
    sock = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, 16)
    sock.bind((0, 0))
    fam = family_id(sock)
    services = exchange(sock, message(fam, NLM_F_REQUEST | NLM_F_DUMP, 2, IPVS_CMD_GET_SERVICE))
    (HERE / "service_dump.bin").write_bytes(b"".join(services))
    # The first service's identity, straight from its reply, selects its destinations.
    svc_nest = services[0][20:]
    dests = exchange(sock, message(fam, NLM_F_REQUEST | NLM_F_DUMP, 3, IPVS_CMD_GET_DEST, svc_nest))
    (HERE / "dest_dump.bin").write_bytes(b"".join(dests))


def main() -> None:
    ns = f"capture-{uuid.uuid4().hex[:6]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        subprocess.run(["ip", "-n", ns, "link", "set", "lo", "up"], check=True)
        subprocess.run(
            ["ip", "netns", "exec", ns, "ipvsadm", "-R"], input=RULES, text=True, check=True
        )
        subprocess.run(
            ["ip", "netns", "exec", ns, sys.executable, __file__, "--in-netns"], check=True
        )
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)
    (HERE / "provenance.txt").write_text(
        f"Captured by tests/data/ipvs/capture.py on kernel {os.uname().release} "
        f"({os.uname().version}).\n"
        "Rules (ipvsadm -R):\n" + RULES + "Files: service_dump.bin = the data messages of one "
        "IPVS_CMD_GET_SERVICE dump (NLM_F_DUMP); dest_dump.bin = the GET_DEST dump of the\n"
        "first service listed. Raw netlink messages, concatenated, native byte order (x86_64).\n"
    )


if __name__ == "__main__":
    if "--in-netns" in sys.argv:
        capture()
    else:
        main()
