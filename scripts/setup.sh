#!/usr/bin/env bash
# Installs what building and testing DuckDuckGoose needs, skipping whatever is
# already present at the right version. Safe to run again and again.
#
#   scripts/setup.sh          everything: wasm toolchain, Chromium, Node packages
#   scripts/setup.sh wasm     only what `wasm-pack build` needs (for serving the page)
#   scripts/setup.sh fuzz     only what scripts/fuzz.sh needs (the pinned nightly, cargo-fuzz)
#
# See ../shared/TOOLCHAIN.md for why each piece is installed the way it is.
set -euo pipefail
cd "$(dirname "$0")/.."

# The wasm-bindgen CLI must match the `wasm-bindgen` crate version pinned in Cargo.toml exactly.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = { version = "=\([0-9.]*\)".*/\1/p; s/^wasm-bindgen = "=\([0-9.]*\)"/\1/p' Cargo.toml | head -n1)
WASM_PACK_VERSION=0.15.1
CARGO_FUZZ_VERSION=0.13.2
what=${1:-all}

say() { printf '\033[1msetup:\033[0m %s\n' "$*"; }

# No binaryen: Debian's wasm-opt breaks the module (see Cargo.toml), so the
# build does without it.
need_apt=()
if [ "$what" = all ]; then
  [ -x /usr/bin/chromium ] || need_apt+=(chromium)
  [ -x /usr/bin/chromedriver ] || need_apt+=(chromium-driver)
  # The fault test cuts real links with iptables (tests/fault.rs).
  command -v iptables-restore >/dev/null || need_apt+=(iptables)
fi
# cargo-fuzz builds libFuzzer, which is C++.
if [ "$what" = all ] || [ "$what" = fuzz ]; then
  command -v c++ >/dev/null || need_apt+=(g++)
fi
if [ ${#need_apt[@]} -gt 0 ]; then
  say "apt-get install ${need_apt[*]}"
  SUDO=; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi

# The pinned nightly (scripts/toolchain.sh): the page's wasm is built with it
# (std rebuilt from rust-src with panic=immediate-abort), and cargo-fuzz needs
# it (libFuzzer's coverage instrumentation).
# shellcheck source=scripts/toolchain.sh
. scripts/toolchain.sh
if ! rustup run "$NIGHTLY" rustc --version >/dev/null 2>&1 \
    || ! rustup component list --toolchain "$NIGHTLY" --installed | grep -q '^rust-src' \
    || ! rustup target list --toolchain "$NIGHTLY" --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup toolchain install $NIGHTLY (with rust-src and the wasm32 target)"
  rustup toolchain install "$NIGHTLY" --profile minimal --component rust-src --target wasm32-unknown-unknown
fi
if [ "$what" = all ] || [ "$what" = fuzz ]; then
  if ! cargo fuzz --version 2>/dev/null | grep -q " $CARGO_FUZZ_VERSION\$"; then
    say "cargo install cargo-fuzz $CARGO_FUZZ_VERSION (about 2 minutes)"
    cargo install --quiet --force cargo-fuzz --version "$CARGO_FUZZ_VERSION"
  fi
  if [ "$what" = fuzz ]; then
    say "fuzzing toolchain ready"
    exit 0
  fi
fi

if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  say "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

if ! wasm-pack --version 2>/dev/null | grep -q "$WASM_PACK_VERSION"; then
  say "cargo install wasm-pack $WASM_PACK_VERSION (about 3 minutes)"
  cargo install --quiet wasm-pack --version "$WASM_PACK_VERSION"
fi

if ! wasm-bindgen --version 2>/dev/null | grep -q " $WASM_BINDGEN_VERSION\$"; then
  say "cargo install wasm-bindgen-cli $WASM_BINDGEN_VERSION (about 3 minutes)"
  # Not --locked: a dependency in its lockfile was yanked (TOOLCHAIN.md).
  cargo install --quiet --force wasm-bindgen-cli --version "$WASM_BINDGEN_VERSION"
fi

# terser minifies the generated glue (scripts/build-page.sh).
if [ ! -d scripts/node_modules/terser ]; then
  say "npm install (scripts: terser)"
  (cd scripts && npm ci --no-audit --no-fund --silent)
fi

if [ "$what" = all ] && [ -f tests/e2e/package.json ]; then
  if [ ! -d tests/e2e/node_modules/playwright-core ]; then
    say "npm install (tests/e2e)"
    (cd tests/e2e && npm install --no-audit --no-fund --silent)
  fi
fi
say "toolchain ready"
