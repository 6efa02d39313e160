"""Parse + check a generated keepalived.conf (5,000 virtual servers x 4 real servers, one
TCP_CHECK each) with pyipvs and with ``keepalived -t`` on the same file, in the same run.

Prints both times and the ratio pyipvs / keepalived (target: <= 1). Run as root so keepalived's
-t behaves as in production: ``python benchmarks/config_parse.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from where import print_where, take_json_path, write_json

from pyipvs.config import read_config

VIRTUAL_SERVERS = 5000
REAL_SERVERS = 4


def generate(path: Path) -> int:
    parts = []
    for i in range(VIRTUAL_SERVERS):
        parts.append(
            f"virtual_server 10.{i // 250}.{i % 250}.1 80 {{\n    delay_loop 10\n"
            "    lvs_sched rr\n    lvs_method NAT\n    protocol TCP\n"
        )
        for r in range(REAL_SERVERS):
            parts.append(
                f"    real_server 192.168.{i % 250}.{r + 10} 80 {{\n        weight 1\n"
                "        TCP_CHECK {\n            connect_timeout 3\n        }\n    }\n"
            )
        parts.append("}\n")
    text = "".join(parts)
    path.write_text(text)
    return text.count("\n")


def best_of(repeat: int, run: object) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    where = print_where()
    json_path = take_json_path("config_parse", str(where["kind"]))
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    keepalived = shutil.which("keepalived")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big.conf"
        lines = generate(path)

        def ours() -> None:
            result = read_config(str(path))
            assert result.exit_status == 0, result.diagnostics[:3]
            assert len(result.config.virtual_servers) == VIRTUAL_SERVERS

        def theirs() -> None:
            assert keepalived is not None
            done = subprocess.run(
                [keepalived, "-t", "-f", str(path)], capture_output=True, timeout=120, check=False
            )
            assert done.returncode == 0, done.stderr[:300]

        mine = best_of(args.repeat, ours)
        print(f"config: {VIRTUAL_SERVERS} VS x {REAL_SERVERS} RS + TCP_CHECK, {lines} lines")
        print(f"pyipvs read_config   : {mine:.3f} s (best of {args.repeat})")
        if keepalived is None:
            print("keepalived not installed: no ratio")
            return
        other = best_of(args.repeat, theirs)
        print(f"keepalived -t        : {other:.3f} s (best of {args.repeat})")
        print(f"ratio pyipvs/keepalived: {mine / other:.2f}")
        case = f"{VIRTUAL_SERVERS} VS x {REAL_SERVERS} RS ({lines} lines)"
        write_json(
            json_path, name="config_parse", title="keepalived.conf parse", where=where,
            unit="s", lower_is_better=True, notes=f"best of {args.repeat}",
            rows=[{"case": case, "tool": "pyipvs read_config", "value": round(mine, 4)},
                  {"case": case, "tool": "keepalived -t", "value": round(other, 4)}],
        )  # fmt: skip


if __name__ == "__main__":
    main()
