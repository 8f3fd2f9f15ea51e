#!/usr/bin/env bash
# Benchmarks (commands that print numbers, not tests): the simulator natively
# (`ddg bench`) and the page in headless Chromium (frame times and sizes).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo run --release --quiet --bin ddg -- bench "$@"
echo
scripts/build-page.sh >/dev/null 2>&1
node tests/e2e/bench.mjs
