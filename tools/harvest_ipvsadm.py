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


def _ipvsadm(argv: list[str], stdin: str = "") -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [IPVSADM, *argv], input=stdin.encode(), capture_output=True, check=False, timeout=60
    )


def reset(dirty: set[str]) -> None:
    """Back to the SETUP table, default timeouts and no sync daemon, for what a case changed
    (cheaper than a new netns, which takes tens of seconds to create and destroy under TCG)."""
    if "timeouts" in dirty:
        _ipvsadm(["--set", "900", "120", "300"])
    if "daemons" in dirty:
        for state in ("master", "backup"):
            _ipvsadm(["--stop-daemon", state])
    if "table" in dirty:
        _ipvsadm(["-C"])
        for line in SETUP:
            assert _ipvsadm(line.split()).returncode == 0, line


def run_case(argv: list[str], stdin: str, setup_table: str) -> tuple[dict[str, object], set[str]]:
    proc = _ipvsadm(argv, stdin)
    table = _ipvsadm(["-S", "-n"]).stdout.decode()
    dirty = set()
    if table != setup_table:
        dirty.add("table")
    words = " ".join(argv) + stdin
    if "--set" in words:
        dirty.add("timeouts")
    if "daemon" in words:
        dirty.add("daemons")
    case = {
        "argv": argv,
        "stdin": stdin,
        "stdout": proc.stdout.decode(),
        "stderr": proc.stderr.decode(),
        "status": proc.returncode,
        "table": table,
    }
    return case, dirty


def main() -> None:
    cases_path, out_path = sys.argv[1], sys.argv[2]
    if len(sys.argv) == 3:
        # Re-run inside a fresh namespace (ipvsadm is then run directly, no `ip netns exec`).
        ns = f"harvest-{uuid.uuid4().hex[:8]}"
        subprocess.run(["ip", "netns", "add", ns], check=True)
        for cmd in NETNS_SETUP:
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        argv = ["ip", "netns", "exec", ns, sys.executable, __file__, cases_path, out_path, "in"]
        sys.exit(subprocess.run(argv, check=False).returncode)
    results = []
    stdin = ""
    reset({"table", "timeouts", "daemons"})
    setup_table = _ipvsadm(["-S", "-n"]).stdout.decode()
    with open(cases_path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("@stdin "):
                stdin = ast.literal_eval(line[len("@stdin ") :])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            case, dirty = run_case(shlex.split(line), stdin, setup_table)
            results.append(case)
            reset(dirty)
            stdin = ""
            with open(out_path + ".partial", "w") as out:
                json.dump(results, out, indent=1)
    with open(out_path, "w") as out:
        json.dump(results, out, indent=1)
    print(f"harvested {len(results)} cases into {out_path}")


if __name__ == "__main__":
    main()
