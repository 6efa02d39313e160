#!/usr/bin/env bash
# The long VRRP parser fuzzing run (default 10 minutes): scripts/fuzz-vrrp-long.sh [SECONDS].
# Reports libFuzzer's execution count; any crash or sanitizer report fails it.
set -euo pipefail
FUZZ_OUT=${FUZZ_OUT:-build/fuzz-long} exec "$(dirname "$0")/fuzz-vrrp.sh" "${1:-600}"
