# SPDX-License-Identifier: Apache-2.0
"""Mutation fuzzer for the keepalived config reader (issue #17), the config counterpart of
tests/fuzz/fuzz_vrrp.c. The reader is pure Python (it reaches no C code), so no sanitizer
build is involved: the oracle is the reader's own rule, a ParseResult or a ConfigError,
never another exception.

    .venv/bin/python tools/fuzz_config.py [SECONDS] [SEED]

Seeds are tests/fuzz/config_corpus/*.conf; each run writes a mutated file (bytes flipped,
lines duplicated, braces and CR/NUL inserted, blocks nested deeper), reads it, and on a crash
saves the input to build/fuzz-config/crash-N.conf and exits 1.
"""

from __future__ import annotations

import random
import sys
import tempfile
import time
import traceback
from pathlib import Path

from pyipvs.config import read_config
from pyipvs.errors import ConfigError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "tests" / "fuzz" / "config_corpus"
CRASHES = ROOT / "build" / "fuzz-config"
TOKENS = [
    b"{",
    b"}",
    b"\r",
    b"\0",
    b"\n",
    b"include *\n",
    b"$X=1\n",
    b"@lb1 ",
    b"~SEQ(1,3,9)",
    b'"',
    b"#",
    b"!",
    b"\\\n",
    b"real_server 1.2.3.4 80 {\n",
    b"-1",
    b"/99",
    b"\xff",
]


def mutate(data: bytes, rng: random.Random) -> bytes:
    buf = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        choice = rng.random()
        where = rng.randint(0, len(buf))
        if choice < 0.3 and buf:
            buf[rng.randrange(len(buf))] = rng.randrange(256)
        elif choice < 0.6:
            buf[where:where] = rng.choice(TOKENS)
        elif choice < 0.75 and buf:
            end = min(len(buf), where + rng.randint(1, 200))
            buf[where:where] = buf[where:end] * rng.randint(1, 20)
        elif choice < 0.85:
            depth = rng.randint(1, 3000)
            buf[where:where] = b"a {\n" * depth + b"}\n" * rng.randint(0, depth)
        elif buf:
            del buf[where : where + rng.randint(1, 50)]
    return bytes(buf)


def one(data: bytes, work: Path) -> str | None:
    """None when the reader keeps its rule on ``data``; else the traceback."""
    path = work / "fuzz.conf"
    path.write_bytes(data)
    try:
        read_config(str(path))
    except ConfigError:
        pass
    except Exception:
        return traceback.format_exc()
    return None


def main(argv: list[str]) -> int:
    seconds = float(argv[1]) if len(argv) > 1 else 20.0
    rng = random.Random(int(argv[2]) if len(argv) > 2 else 17)
    seeds = [p.read_bytes() for p in sorted(CORPUS.glob("*.conf"))]
    runs = 0
    deadline = time.monotonic() + seconds
    with tempfile.TemporaryDirectory() as work:
        while time.monotonic() < deadline:
            data = mutate(rng.choice(seeds), rng)
            runs += 1
            failure = one(data, Path(work))
            if failure is not None:
                CRASHES.mkdir(parents=True, exist_ok=True)
                crash = CRASHES / f"crash-{runs}.conf"
                crash.write_bytes(data)
                print(f"fuzz_config: crash after {runs} runs, input {crash}\n{failure}")
                return 1
    print(f"fuzz_config: {runs} runs, {len(seeds)} seeds, no crash")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
