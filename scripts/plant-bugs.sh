#!/usr/bin/env bash
# Plants known lease bugs, one at a time, in a scratch copy of the sources and
# counts how many seeds of the CI-size sweep catch each (issue 11 §2, §3).
# The working tree is never modified.
#
#   scripts/plant-bugs.sh [--rev REV] [--seeds N] [BUG...]
#
# --rev REV   plant into the sources of commit REV (default: the working tree),
#             e.g. to measure what an older checker or chaos caught
# --seeds N   seeds per cluster size (default 5000: 5 nodes take seeds 1..N,
#             7 nodes N+1..2N, each under the sweep's three option sets, like
#             tests/sweep.rs in CI)
# BUG         which bugs (default: all): lease-floor-max, forget-lease-on-restart,
#             lease-floor-1ms-long
#
# Each bug is a literal text substitution in src/node.rs; if the text is not
# found (the code moved on), the script says so and fails instead of running
# an unplanted sweep. The sweep runs first with no bug: it must find nothing.
# Exit status: 0 if every planted bug was caught by at least one seed.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rev=""
seeds=5000
bugs=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rev) rev=$2; shift 2 ;;
    --seeds) seeds=$2; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 2 ;;
    *) bugs+=("$1"); shift ;;
  esac
done
[ ${#bugs[@]} -gt 0 ] || bugs=(lease-floor-max forget-lease-on-restart lease-floor-1ms-long)

# bug name -> perl substitution applied to src/node.rs (literal texts).
plant() {
  local file=src/node.rs from to
  case "$1" in
    none) return 0 ;;
    lease-floor-max)
      # The lease floor from the slowest delivery instead of the fastest.
      from='floor: now + opts.latency.min + length,'
      to='floor: now + opts.latency.max + length,' ;;
    lease-floor-1ms-long)
      from='floor: now + opts.latency.min + length,'
      to='floor: now + opts.latency.min + length + crate::options::MS,' ;;
    forget-lease-on-restart)
      # The promise treated as volatile state: lost in a crash.
      from='        self.goose_heard = None;
        self.start_ballots();'
      to='        self.goose_heard = None;
        self.lease_until = None;
        self.start_ballots();' ;;
    *) echo "unknown bug $1" >&2; exit 2 ;;
  esac
  FROM=$from TO=$to perl -0pi -e '
    $n = s/\Q$ENV{FROM}\E/$ENV{TO}/g;
    END { exit($n == 1 ? 0 : 1) }' "$file" ||
    { echo "cannot plant $1: its text is not (exactly once) in $file" >&2; exit 2; }
}

scratch=$root/target/plant-src
export CARGO_TARGET_DIR=$root/target/plant
# An optimized build that compiles quickly: no LTO, many codegen units.
export CARGO_PROFILE_RELEASE_LTO=false CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16

fresh_copy() {
  mkdir -p "$scratch"
  find "$scratch" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
  if [ -n "$rev" ]; then
    git archive "$rev" | tar -x -C "$scratch"
  else
    git ls-files -z --cached --others --exclude-standard |
      (cd "$root" && xargs -0 cp --parents -t "$scratch" 2>/dev/null || true)
  fi
}

failed=0
printf '%-26s %7s %12s %12s  %s\n' bug size "runs failed" "seeds failed" "first violations"
for bug in none "${bugs[@]}"; do
  fresh_copy
  (cd "$scratch" && plant "$bug")
  (cd "$scratch" && cargo build --release --quiet --bin ddg)
  total=0
  for size in 5 7; do
    first=$(( size == 5 ? 1 : seeds + 1 ))
    log=$CARGO_TARGET_DIR/plant-$bug-$size.log
    "$CARGO_TARGET_DIR/release/ddg" sweep --nodes "$size" --first "$first" --seeds "$seeds" \
      > "$log" || true
    summary=$(tail -n 1 "$log")
    runs=$(sed -n 's/.* runs: \([0-9]*\) runs failed.*/\1/p' <<< "$summary")
    on=$(sed -n 's/.* runs failed, on \([0-9]*\) seeds .*/\1/p' <<< "$summary")
    [ -n "$runs" ] && [ -n "$on" ] || { echo "no summary in $log: $summary" >&2; exit 1; }
    kinds=$({ grep -o 'invariant: [A-Za-z]*' "$log" || true; } | sort | uniq -c | sort -rn |
      awk '{printf "%s%s %s", sep, $3, $1; sep=", "}')
    liveness=$(grep -c '^seed .* FAILED: None Err' "$log" || true)
    [ "$liveness" -gt 0 ] && kinds="${kinds:+$kinds, }liveness only $liveness"
    printf '%-26s %7s %12s %12s  %s\n' "$bug" "$size" "$runs" "$on/$seeds" "${kinds:--}"
    total=$((total + on))
  done
  if [ "$bug" = none ] && [ "$total" -gt 0 ]; then
    echo "the sweep fails with no bug planted: see $CARGO_TARGET_DIR/plant-none-*.log" >&2
    exit 1
  fi
  if [ "$bug" != none ] && [ "$total" -eq 0 ]; then
    failed=1
  fi
done
exit $failed
