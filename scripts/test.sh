#!/usr/bin/env bash
# Runs every check and test: formatting, clippy (server and browser sides), unit, service and
# API tests on SQLite and PostgreSQL, then Playwright in Chromium against the real server.
# Installs missing tools first; starts and stops its own PostgreSQL on loopback.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-builder/target}
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }

step "tools"
scripts/install-tools.sh

work=$(mktemp -d)
# The PostgreSQL server runs as its own user and must be able to reach its data directory.
chmod 755 "$work"
cleanup() {
  scripts/postgres-test-server.sh stop "$work/pg" || true
  rm -rf "$work"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }

step "format"
cargo fmt --all -- --check

step "clippy: server side (ssr)"
cargo clippy --all-targets -p domain -p backend -p migration -p seed -p server -p app --features app/ssr -- -D warnings

step "clippy: browser side (hydrate, wasm32)"
cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

step "PostgreSQL on loopback"
export TEST_POSTGRES_URL
TEST_POSTGRES_URL=$(scripts/postgres-test-server.sh start "$work/pg" "$(free_port)")
export REQUIRE_POSTGRES=1
echo "$TEST_POSTGRES_URL"

step "unit, service and API tests (SQLite + PostgreSQL)"
cargo test -p domain -p backend -p migration -p seed -p server
cargo test -p app --features ssr

step "build the app (cargo leptos)"
cargo leptos build

step "end-to-end tests in Chromium (with the sign-in provider on loopback)"
scripts/e2e.sh
