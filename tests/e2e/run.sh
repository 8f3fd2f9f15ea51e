#!/usr/bin/env bash
# End-to-end tests of the page: builds it, then runs every tests/e2e/*.test.mjs
# with Node's test runner (playwright-core driving /usr/bin/chromium).
# Screenshots land in tests/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/../.."
scripts/build-page.sh >/dev/null 2>&1 || scripts/build-page.sh
cargo build --release --quiet --bin ddg   # the time-travel tests replay exports with it
mkdir -p tests/e2e/artifacts
cd tests/e2e
{ [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ]; } || npm install --no-audit --no-fund --silent
exec node --test --test-concurrency=1 --test-reporter=spec ./*.test.mjs
