#!/usr/bin/env bash
# Runs Playwright in Chromium against a fresh server (SQLite, seeded, demo tools on) and the
# OpenID Connect provider the sign-in tests use, both on loopback, and stops them after.
# Builds nothing: run `cargo leptos build` first. Arguments go to Playwright (e.g. a spec).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-builder/target}

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'; }
wait_for() {
  local url=$1 pid=$2 log=$3
  for _ in $(seq 1 150); do
    if curl -fs "$url" >/dev/null; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then cat "$log"; echo "$url: process exited" >&2; return 1; fi
    sleep 0.2
  done
  echo "$url did not answer" >&2; return 1
}

work=$(mktemp -d)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

port=$(free_port)
oidc_port=$(free_port)
base_url="http://127.0.0.1:$port"
export OIDC_TEST_TENANT=3f2a9c1e-0b7d-4e55-9a41-7c1d2e3f4a5b
client_secret=$(head -c 24 /dev/urandom | base64 | tr -d '/+=')

OIDC_PORT=$oidc_port OIDC_TENANT=$OIDC_TEST_TENANT OIDC_CLIENT_ID=platform-builder \
  OIDC_CLIENT_SECRET=$client_secret OIDC_REDIRECT_URL="$base_url/api/auth/oidc/callback" \
  node end2end/oidc/provider.mjs >"$work/oidc.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$oidc_port/.well-known/openid-configuration" "${pids[-1]}" "$work/oidc.log"

# Production mode refuses to start without its secrets: give it fresh ones for this run.
JWT_SECRET=$(head -c 32 /dev/urandom | base64) \
  ENCRYPTION_KEY="e2e:$(head -c 32 /dev/urandom | base64)" DEMO_TOOLS=true \
  DATABASE_URL="sqlite://$work/e2e.db" \
  LEPTOS_SITE_ADDR="127.0.0.1:$port" LEPTOS_SITE_ROOT="target/site" LEPTOS_ENV=PROD \
  OIDC_ISSUER_URL="http://127.0.0.1:$oidc_port" OIDC_CLIENT_ID=platform-builder \
  OIDC_CLIENT_SECRET=$client_secret OIDC_REDIRECT_URL="$base_url/api/auth/oidc/callback" \
  OIDC_ATTRIBUTE_CLAIMS="department,region" OIDC_PROVIDER_NAME=Microsoft \
  RUST_LOG=warn "$CARGO_TARGET_DIR/debug/platform-builder" >"$work/server.log" 2>&1 &
pids+=($!)
wait_for "$base_url/readyz" "${pids[-1]}" "$work/server.log"

BASE_URL=$base_url npx playwright test --config end2end/playwright.config.ts "$@" || {
  echo "--- server log ---"; tail -n 50 "$work/server.log"
  echo "--- identity provider log ---"; tail -n 20 "$work/oidc.log"
  exit 1
}
