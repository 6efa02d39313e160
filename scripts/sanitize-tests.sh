#!/usr/bin/env bash
# Builds pyipvs._native with AddressSanitizer + UndefinedBehaviorSanitizer into a scratch copy of
# the package and runs the unit tier against it (plus any extra pytest arguments).
# PYIPVS_SANITIZE_TESTS names other tests to run instead (the kernel tier runs its batch and
# request tests this way inside the VM: the C that talks to the kernel, under the sanitizers).
# The normal in-place build is left alone. Leak checking is off: CPython itself "leaks" at exit.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

cp -r src/pyipvs "$scratch/pyipvs"
cp -r csrc "$scratch/csrc"  # ffi.compile builds inside the scratch directory
find "$scratch/pyipvs" -name '*.so' -delete
PYIPVS_SANITIZE=1 .venv/bin/python - "$scratch" <<'PY'
import importlib.util, sys
spec = importlib.util.spec_from_file_location("builder", "src/pyipvs/_build_native.py")
builder = importlib.util.module_from_spec(spec)
spec.loader.exec_module(builder)
builder.ffi.compile(tmpdir=sys.argv[1], verbose=False)
PY
compgen -G "$scratch/pyipvs/_native*.so" >/dev/null ||
    { echo "sanitize: the sanitizer build produced no extension" >&2; exit 1; }

export LD_PRELOAD="$(gcc -print-file-name=libasan.so) $(gcc -print-file-name=libubsan.so)"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
export PYTHONPATH="$scratch"
.venv/bin/python -c "import pyipvs._native as n, sys; assert n.__file__.startswith(sys.argv[1]), n.__file__; print('sanitize: using', n.__file__)" "$scratch"
read -r -a tests <<<"${PYIPVS_SANITIZE_TESTS:-tests/unit}"
.venv/bin/pytest "${tests[@]}" -q -p no:cacheprovider "$@"
