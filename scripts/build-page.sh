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
# Further size flags (measured in gzip on the whole wasm, Dec 2026):
# std's `optimize_for_size` feature (smaller std algorithms, -0.9 KB);
# -Zfmt-debug=none (every `{:?}` prints nothing: the page never shows one,
# they are in tests and debug assertions only) and -Zlocation-detail=none
# (no file paths in the module), -0.4 KB together; -Zmerge-functions=aliases
# (identical functions folded, -0.7 KB); and wasm SIMD (+simd128, -0.6 KB:
# LLVM uses 128-bit moves for copies). SIMD needs Chrome/Edge 91, Firefox 89
# or Safari 16.4 (2021–2023); an older browser fails to compile the module
# and www/main.js reports that the page cannot start.
#
# The generated glue (pkg/duckduckgoose.js: a shim for each export and each
# browser function the wasm calls) is minified with terser (scripts/package.json):
# 7.8 -> 6.2 KB gzip. Nobody edits it; its source is the Rust and wasm-bindgen.
# That also drops the `///` documentation wasm-bindgen copies into it as JSDoc.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
RUSTUP_TOOLCHAIN=$NIGHTLY CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort -Zfmt-debug=none -Zlocation-detail=none -Zmerge-functions=aliases -Ctarget-feature=+simd128" \
  wasm-pack build --target web --profile web --no-typescript --no-pack "$@"
node scripts/node_modules/terser/bin/terser pkg/duckduckgoose.js --module --compress passes=3 --mangle --toplevel \
  --output pkg/duckduckgoose.js
# The page's own script and stylesheet are served from pkg/ too, minified
# (www/ keeps the sources people read and edit): about 1.6 KB gzip. The
# script's import of the glue is rewritten for its new place beside it.
node scripts/node_modules/terser/bin/terser www/main.js --module --compress passes=3 --mangle --toplevel |
  sed 's#"\.\./pkg/duckduckgoose\.js"#"./duckduckgoose.js"#' >pkg/main.js
grep -q '"./duckduckgoose.js"' pkg/main.js || { echo "build-page.sh: pkg/main.js does not import the glue" >&2; exit 1; }
python3 scripts/minify-css.py www/style.css pkg/style.css
# Likewise the module's custom sections no browser needs (function names for
# stack traces in the developer tools, tool versions: about 0.7 KB gzip).
python3 scripts/strip-wasm-names.py pkg/duckduckgoose_bg.wasm
