#!/usr/bin/env bash
# Builds the page (Rust → wasm with wasm-pack) and serves it on
# http://localhost:${PORT:-8000}/ . Installs what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh wasm
scripts/build-page.sh
port=${PORT:-8000}
echo "DuckDuckGoose is at http://localhost:$port/  (Ctrl-C stops it)"
exec python3 -m http.server "$port" --bind "${BIND:-127.0.0.1}"
