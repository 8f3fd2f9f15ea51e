# shellcheck shell=bash
# The one pinned nightly toolchain, sourced by the scripts that need it:
# - scripts/build-page.sh builds the page's wasm with it, rebuilding std with
#   panic=immediate-abort (the panic machinery and its messages are about 7 KB
#   gzip of a 150 KB budget);
# - scripts/fuzz.sh runs cargo-fuzz with it (libFuzzer needs nightly).
# scripts/setup.sh installs it with rust-src and the wasm32 target.
NIGHTLY=nightly-2026-05-20
