#!/usr/bin/env bash
# Installs the build and test toolchain, idempotently. Tools land in ~/.cargo/bin and are
# reused across runs; nothing is downloaded from outside the package registries.
set -euo pipefail

CARGO_LEPTOS_VERSION=0.3.11
WASM_BINDGEN_VERSION=0.2.130
here=$(cd "$(dirname "$0")/.." && pwd)

log() { printf '\033[1;34m[install]\033[0m %s\n' "$*"; }

ensure_wasm_target() {
  if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
    log "adding wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
  fi
}

# Builds a crate from its registry source after pinning one dependency, because the
# published lockfiles of these tools pull versions this toolchain or registry cannot serve.
install_pinned() {
  local crate=$1 version=$2 pin_pkg=$3 pin_version=$4 features=${5:-}
  local work
  work=$(mktemp -d)
  log "installing $crate $version (pinning $pin_pkg $pin_version)"
  (cd "$work" && cargo info "$crate@$version" >/dev/null)
  local src
  src=$(ls -d "$HOME"/.cargo/registry/src/*/"$crate-$version" | head -n 1)
  cp -r "$src" "$work/src"
  (
    cd "$work/src"
    cargo update -p "$pin_pkg" --precise "$pin_version" || true
    if [ -n "$features" ]; then
      cargo install --path . --locked --features "$features"
    else
      cargo install --path . --locked
    fi
  )
  rm -rf "$work"
}

ensure_cargo_leptos() {
  if cargo leptos --version 2>/dev/null | grep -q "$CARGO_LEPTOS_VERSION"; then return; fi
  install_pinned cargo-leptos "$CARGO_LEPTOS_VERSION" cargo-util-schemas 0.14.1 no_downloads
}

ensure_wasm_bindgen() {
  if wasm-bindgen --version 2>/dev/null | grep -q "$WASM_BINDGEN_VERSION"; then return; fi
  install_pinned wasm-bindgen-cli "$WASM_BINDGEN_VERSION" webpki-roots 1.0.10
}

apt_updated=0
ensure_apt() {
  local bin=$1 pkg=$2
  if command -v "$bin" >/dev/null 2>&1; then return; fi
  if [ "$apt_updated" = 0 ]; then apt-get update -qq; apt_updated=1; fi
  log "apt-get install $pkg"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$pkg" >/dev/null
}

ensure_postgres() {
  if command -v initdb >/dev/null 2>&1 || ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then return; fi
  ensure_apt initdb postgresql
}

ensure_npm_packages() {
  if [ ! -x "$here/node_modules/.bin/tailwindcss" ] || [ ! -x "$here/node_modules/.bin/wasm-opt" ] \
     || [ ! -d "$here/node_modules/@playwright/test" ] || [ ! -d "$here/node_modules/oidc-provider" ]; then
    # `npm install`, not `npm ci`: npm 11 writes lockfiles without the other platforms'
    # optional packages (e.g. @tailwindcss/oxide-*), which `npm ci` then rejects.
    log "npm install"
    (cd "$here" && npm install --no-audit --no-fund)
  fi
}

ensure_wasm_target
ensure_apt chromium chromium
ensure_apt curl curl
ensure_postgres
ensure_npm_packages
ensure_wasm_bindgen
ensure_cargo_leptos
log "tools ready"
