"""Record what the real ipvsadm prints for a list of command lines (run inside the kernel VM).

    scripts/kernel-tier.sh -- .venv/bin/python tools/harvest_ipvsadm.py CASES OUT.json

CASES has one command line per line (shell-quoted, without the program name); a line starting
with "@stdin " gives the stdin for the next case (Python string literal). Each case runs in a
fresh network namespace prepared with a small table (see SETUP), so kernel errors are stable.
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
NETNS_SETUP = [
    "link set lo up",
    "link add dummy0 type dummy",
    "link set dummy0 up",
    "addr add 10.255.0.1/8 dev dummy0",
    "route add default dev dummy0",
    "-6 route add default dev dummy0",
]


def run_case(argv: list[str], stdin: str) -> dict[str, object]:
    ns = f"harvest-{uuid.uuid4().hex[:8]}"
    subprocess.run(["ip", "netns", "add", ns], check=True)
    try:
        for cmd in NETNS_SETUP:
            subprocess.run(["ip", "-n", ns, *cmd.split()], check=True)
        for line in SETUP:
            subprocess.run(["ip", "netns", "exec", ns, IPVSADM, *line.split()], check=True)
        proc = subprocess.run(
            ["ip", "netns", "exec", ns, IPVSADM, *argv],
            input=stdin.encode(),
            capture_output=True,
            check=False,
        )
        table = subprocess.run(
            ["ip", "netns", "exec", ns, IPVSADM, "-S", "-n"], capture_output=True, check=False
        ).stdout.decode()
        return {
            "argv": argv,
            "stdin": stdin,
            "stdout": proc.stdout.decode(),
            "stderr": proc.stderr.decode(),
            "status": proc.returncode,
            "table": table,
        }
    finally:
        subprocess.run(["ip", "netns", "delete", ns], check=False)


def main() -> None:
    cases_path, out_path = sys.argv[1], sys.argv[2]
    results = []
    stdin = ""
    with open(cases_path) as f:
        for raw in f:
            line = raw.rstrip("\n")
            if line.startswith("@stdin "):
                stdin = ast.literal_eval(line[len("@stdin ") :])
                continue
            if not line.strip() or line.startswith("#"):
                continue
            results.append(run_case(shlex.split(line), stdin))
            stdin = ""
    with open(out_path, "w") as f:
        json.dump(results, f, indent=1)
    print(f"harvested {len(results)} cases into {out_path}")


if __name__ == "__main__":
    main()
