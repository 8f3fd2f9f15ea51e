#!/usr/bin/env bash
# The Jepsen-style fault test on real processes, for longer than CI runs it.
#
#   scripts/fault-test.sh              10 minutes, a random seed
#   scripts/fault-test.sh 1800         30 minutes
#   scripts/fault-test.sh 600 SEED     replay a schedule
#
# As root it cuts links with iptables inside a network namespace of its own
# (apt-get install iptables); otherwise it uses the nodes' fault layer only.
# See tests/fault.rs for what the checker verifies.
set -euo pipefail
cd "$(dirname "$0")/.."
export DDG_FAULT_SECONDS="${1:-600}"
if [ -n "${2:-}" ]; then export DDG_FAULT_SEED="$2"; fi
exec cargo test --release --test fault -- --nocapture
