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
# wasm-bindgen copies the `///` documentation of every exported method into the
# glue as JSDoc comments: about 2 KB gzip that every visitor would download and
# no browser reads (the page's download budget). They are dropped from the
# generated file; the documentation stays in the Rust source.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
RUSTUP_TOOLCHAIN=$NIGHTLY CARGO_UNSTABLE_BUILD_STD=std,panic_abort \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort" \
  wasm-pack build --target web --profile web --no-typescript --no-pack "$@"
perl -0pi -e 's{^[ \t]*/\*\*\n(?:[ \t]*\*.*\n)*?[ \t]*\*/\n}{}gm' pkg/duckduckgoose.js
# Likewise the module's custom sections no browser needs (function names for
# stack traces in the developer tools, tool versions: about 0.7 KB gzip).
python3 scripts/strip-wasm-names.py pkg/duckduckgoose_bg.wasm
