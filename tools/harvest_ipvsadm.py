"""Record what the real ipvsadm prints for a list of command lines (run inside the kernel VM).

    scripts/kernel-tier.sh -- .venv/bin/python tools/harvest_ipvsadm.py CASES OUT.json

CASES has one command line per line (shell-quoted, without the program name); a line starting
with "@stdin " gives the stdin for the next case (Python string literal). Each case runs in
one network namespace reset to a small table (see SETUP), so kernel errors are stable.
The output is the oracle for the parser/formatter unit tests (provenance: real ipvsadm 1.31).
"""

from __future__ import annotations

import ast
import json
import shlex
import subprocess
import sys
import uuid

IPVSADM = "/usr/sbin/ipvsadm"
SETUP = [
    "-A -t 10.0.0.1:80 -s rr",
    "-a -t 10.0.0.1:80 -r 192.168.10.1:80 -m",
    "-A -u 10.0.0.3:53 -s sh",
    "-A -f 42 -s rr",
]

# Real-server addresses must be routable (the kernel rejects unreachable ones with EINVAL).
# Only the test ranges are routed: with a default route, name lookups would wait for the
# (unreachable) DNS server instead of failing at once.
NETNS_SETUP = [
    "link set lo up",
    "link add dummy0 type dummy",
    "link set dummy0 up",
    "addr add 192.168.255.254/16 dev dummy0",
    "-6 route add 2001:db8::/32 dev dummy0",
]


def _ipvsadm(ns: str, argv: list[str], stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        ["ip", "netns", "exec", ns, IPVSADM, *argv],
        input=stdin.encode(),
        capture_output=True,
        check=False,
        timeout=60,
    )


def reset(ns: str) -> None:
    """Back to the SETUP table, default timeouts and no sync daemon (cheaper than a new netns,
    which takes tens of seconds to create and destroy under TCG)."""
    for argv in (["-C"], ["--set", "900", "120", "300"]):
        _ipvsadm(ns, argv)
    for state in ("master", "backup"):
        _ipvsadm(ns, ["--stop-daemon", state])
    for line in SETUP:
        assert _ipvsadm(ns, line.split()).returncode == 0, line


def run_case(ns: str, argv: list[str], stdin: str) -> dict[str, object]:
    reset(ns)
    proc = _ipvsadm(ns, argv, stdin)
    table = _ipvsadm(ns, ["-S", "-n"]).stdout.decode()
    return {
        "argv": argv,
        "stdin": stdin,
        "stdout": proc.stdout.decode(),
        "stderr": proc.stderr.decode(),
        "status": proc.returncode,
        "table": table,
    }


def main() -> None:
    cases_path, out_path = sys.argv[1], sys.argv[2]
    results = []
    stdin = ""
    ns = f"harvest-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    for cmd in NETNS_SETUP:
        subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
    with open(cases_path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("@stdin "):
                stdin = ast.literal_eval(line[len("@stdin ") :])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            results.append(run_case(ns, shlex.split(line), stdin))
            stdin = ""
            with open(out_path + ".partial", "w") as f:
                json.dump(results, f, indent=1)
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"harvested {len(results)} cases into {out_path}")


if __name__ == "__main__":
    main()
