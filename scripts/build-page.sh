#!/usr/bin/env bash
# Builds the page into pkg/ (the wasm and its JavaScript glue, what index.html
# loads): `wasm-pack build` with the small `web` profile. Arguments go on to
# wasm-pack.
#
# wasm-bindgen copies the `///` documentation of every exported method into the
# glue as JSDoc comments: about 2 KB gzip that every visitor would download and
# no browser reads (the page's download budget). They are dropped from the
# generated file; the documentation stays in the Rust source.
set -euo pipefail
cd "$(dirname "$0")/.."
wasm-pack build --target web --profile web --no-typescript --no-pack "$@"
perl -0pi -e 's{^[ \t]*/\*\*\n(?:[ \t]*\*.*\n)*?[ \t]*\*/\n}{}gm' pkg/duckduckgoose.js
# Likewise the module's custom sections no browser needs (function names for
# stack traces in the developer tools, tool versions: about 0.7 KB gzip).
python3 scripts/strip-wasm-names.py pkg/duckduckgoose_bg.wasm
