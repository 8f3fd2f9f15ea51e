#!/usr/bin/env bash
# Builds the page into pkg/ (the wasm and its JavaScript glue, what index.html
# loads): `wasm-pack build` with the small `web` profile. Arguments go on to
# wasm-pack.
#
# The wasm is built with the pinned nightly (scripts/toolchain.sh), which
# rebuilds std with panic=immediate-abort: a panic becomes a trap at once, with
# no unwinding tables, no panic hook and no formatted message. That is about
# 7 KB gzip of the 150 KB download budget. The page still reports a crash
# (www/main.js catches the trap); the message itself is found by replaying the
# run's seed and actions natively with `ddg`, where panics keep their text.
#
# The generated glue (pkg/duckduckgoose.js: a shim for each export and each
# browser function the wasm calls) is minified with terser (scripts/package.json):
# 7.8 -> 6.2 KB gzip. Nobody edits it; its source is the Rust and wasm-bindgen.
# That also drops the `///` documentation wasm-bindgen copies into it as JSDoc.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
RUSTUP_TOOLCHAIN=$NIGHTLY CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
  wasm-pack build --target web --profile web --no-typescript --no-pack "$@"
node scripts/node_modules/terser/bin/terser pkg/duckduckgoose.js --module --compress --mangle \
  --output pkg/duckduckgoose.js
# Likewise the module's custom sections no browser needs (function names for
# stack traces in the developer tools, tool versions: about 0.7 KB gzip).
python3 scripts/strip-wasm-names.py pkg/duckduckgoose_bg.wasm
