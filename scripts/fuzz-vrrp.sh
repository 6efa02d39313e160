#!/usr/bin/env bash
# Fuzzes the C VRRP parser with libFuzzer under ASan + UBSan.
#   scripts/fuzz-vrrp.sh [SECONDS]     (default 25)
# Builds $FUZZ_OUT/fuzz_vrrp (default build/fuzz), seeds its corpus with valid packets made by pyipvs, runs
# for SECONDS and prints libFuzzer's final statistics. Exit status non-zero on any crash, leak
# or sanitizer report (the reproducer is written to build/fuzz/).
set -euo pipefail
cd "$(dirname "$0")/.."
SECONDS_TO_RUN=${1:-25}
OUT=${FUZZ_OUT:-build/fuzz}
mkdir -p "$OUT/corpus"

clang -g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
    -fno-omit-frame-pointer -Wall -Wextra -Werror -Wno-unused-parameter -std=gnu99 \
    -Icsrc tests/fuzz/fuzz_vrrp.c csrc/vrrp.c csrc/checksum.c -o "$OUT/fuzz_vrrp"

PYTHON=${PYTHON:-.venv/bin/python}
"$PYTHON" - "$OUT/corpus" <<'PY'
import sys
from pathlib import Path

from pyipvs.vrrp import VrrpPacket

corpus = Path(sys.argv[1])
seeds = {
    "v2": VrrpPacket(2, 1, 100, ["10.0.0.1", "10.0.0.2"], 1, 1, b"secret").to_ip(src="192.0.2.1"),
    "v2-none": VrrpPacket(2, 7, 255, ["10.0.0.1"], 3).to_ip(src="192.0.2.1"),
    "v3-4": VrrpPacket(3, 1, 150, ["10.0.0.1"], 0.5).to_ip(src="192.0.2.1"),
    "v3-6": VrrpPacket(3, 1, 200, ["fe80::1", "2001:db8::5"], 1).to_ip(src="fe80::9"),
}
for name, packet in seeds.items():
    for selector in (0x00, 0x01, 0x06, 0x2E, 0x80):
        (corpus / f"{name}-{selector:02x}").write_bytes(bytes([selector]) + packet)
# Bare messages: the harness reports them from fe80::9 to ff02::12, or for IPv4 from the first
# four bytes of those (254.128.0.0 to 255.2.0.0); v3 checksums cover these pseudo-headers.
messages = {
    "v2": (0x40, seeds["v2"][20:]),
    "v2-none": (0x40, seeds["v2-none"][20:]),
    "v3-4": (0x40, VrrpPacket(3, 1, 150, ["10.0.0.1"], 0.5).to_bytes(src="254.128.0.0", dst="255.2.0.0")),
    "v3-6": (0xC0, seeds["v3-6"][40:]),
}
for name, (selector, message) in messages.items():
    (corpus / f"{name}-msg").write_bytes(bytes([selector]) + message)
PY

cd "$OUT"
./fuzz_vrrp -max_total_time="$SECONDS_TO_RUN" -max_len=4200 -print_final_stats=1 corpus 2>&1 |
    tail -n 25
exit "${PIPESTATUS[0]}"
