#!/usr/bin/env bash
# Builder benchmark: builds the release app, serves it on a throwaway SQLite database and
# times drag steps and property edits on a 100-widget page in Chromium. Results: stdout.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-builder/target}
scripts/install-tools.sh
cargo leptos build --release
work=$(mktemp -d)
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
DATABASE_URL="sqlite://$work/bench.db" LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="target/site" \
  LEPTOS_ENV=PROD RUST_LOG=warn "$CARGO_TARGET_DIR/release/platform-builder" >"$work/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null && break; sleep 0.2; done
BASE_URL="http://127.0.0.1:$port" npx playwright test --config end2end/bench/playwright.config.ts
