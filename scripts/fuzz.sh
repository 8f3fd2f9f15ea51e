#!/usr/bin/env bash
# Fuzzes the targets in fuzz/ (issue 11 §4) with cargo-fuzz on the nightly
# toolchain, each for a number of seconds, and prints how many inputs each ran
# and whether any crashed. Installs what it needs first (scripts/setup.sh).
#
#   scripts/fuzz.sh                  every target for 10 minutes
#   scripts/fuzz.sh 3600 cluster     one target for an hour (a long campaign)
#   scripts/fuzz.sh 5                every target for 5 s (what scripts/test.sh runs)
#
# Targets: scenario (the parser), fragment (share links), import (a .ddg file
# or a link loaded as the page does), node (one node fed forged messages),
# cluster (real nodes on a fuzzer-scheduled network, under the invariant
# checker), wire (the real nodes' datagrams). A crash leaves its input in
# fuzz/artifacts/<target>/ and the script exits non-zero; replay it with
# `cargo +$NIGHTLY fuzz run -s none -a <target> <file>` (NIGHTLY is in
# scripts/toolchain.sh). The corpus grows in
# fuzz/corpus/<target>/ (not committed; seeded by examples/fuzz_seeds.rs).
# Extra libFuzzer flags go in FUZZ_FLAGS, e.g. FUZZ_FLAGS=-runs=10000000.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
seconds=${1:-600}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(scenario fragment import node cluster wire)

[ -n "${FUZZ_SKIP_SETUP:-}" ] || scripts/setup.sh fuzz
cargo run --quiet --example fuzz_seeds fuzz/corpus
# No sanitizer: the code is safe Rust, and what is hunted is a panic or a
# broken invariant; -a keeps debug assertions and overflow checks on.
cargo +"$NIGHTLY" fuzz build -s none -a

failed=()
for target in "${targets[@]}"; do
  log=$(mktemp)
  # libFuzzer needs the corpus dir; targets with no seeds start from nothing.
  mkdir -p "fuzz/corpus/$target"
  # shellcheck disable=SC2086 # FUZZ_FLAGS is a list of flags
  if cargo +"$NIGHTLY" fuzz run -s none -a "$target" "fuzz/corpus/$target" -- \
      -max_total_time="$seconds" -timeout=60 -print_final_stats=1 ${FUZZ_FLAGS:-} >"$log" 2>&1; then
    status=ok
  elif grep -q "run interrupted" "$log" &&
    ! grep -qE "Test unit written to .*/(crash|leak|timeout|oom)-" "$log"; then
    # Stopped by hand (Ctrl-C, SIGINT): libFuzzer exits non-zero but found
    # nothing (a slow-unit file is a note on speed, not a finding); the
    # executions so far still count.
    status=stopped
  else
    status=CRASHED
    failed+=("$target")
    grep -E "panicked|SUMMARY|Test unit written|Running:" "$log" | head -n 8 || true
  fi
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n1)
  within="in $seconds s"
  [ "$status" = stopped ] && within="(stopped before $seconds s)"
  printf 'fuzz %-9s %-8s %s executions %s\n' "$target" "$status" "${runs:-?}" "$within"
  rm -f "$log"
done
if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: crashes in ${failed[*]} (inputs in fuzz/artifacts/)" >&2
  exit 1
fi
