#!/usr/bin/env bash
# The docs stage: build with -W (diagrams and benchmark plots are made by the build), then open
# the pages people judge first in headless Chromium at 1280x1600 and fail if anything on them
# scrolls sideways or a listing only fits by wrapping. Screenshots go to $DOCS_SHOTS if set.
#   scripts/docs-check.sh [OUTDIR]      (default docs/_build/html)
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-docs/_build/html}
.venv/bin/sphinx-build -W -q -b html docs "$OUT"
PAGES=(index guide/performance reference/pyipvsadm reference/pyipvs-keepalived reference/pyipvs-lab)
args=()
for page in "${PAGES[@]}"; do args+=("$OUT/$page.html"); done
[[ -n ${DOCS_SHOTS:-} ]] && args+=(--screenshots "$DOCS_SHOTS")
exec .venv/bin/python tools/docs_layout_check.py --width 1280 --height 1600 "${args[@]}"
