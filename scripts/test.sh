#!/usr/bin/env bash
# Runs every test: formatting, lints, native unit/golden/sweep tests, the
# wasm-bindgen tests in headless Chromium, and the end-to-end page tests.
# Installs whatever is missing first (scripts/setup.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }

step "toolchain"
scripts/setup.sh

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (native and wasm32)"
cargo clippy --all-targets -- -D warnings
cargo clippy --target wasm32-unknown-unknown --lib -- -D warnings

step "native tests"
cargo test --release

step "fuzz targets, a few seconds each (scripts/fuzz.sh runs long campaigns)"
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
FUZZ_SKIP_SETUP=1 scripts/fuzz.sh 5

step "wasm-bindgen tests in headless Chromium (tests/web.rs)"
CHROMEDRIVER=/usr/bin/chromedriver wasm-pack test --headless --chrome --release -- --test web

step "end-to-end tests of the page (playwright-core + Chromium, tests/e2e)"
tests/e2e/run.sh

step "all tests passed"
