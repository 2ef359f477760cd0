#!/usr/bin/env bash
# Builds and runs Platform Builder on http://localhost:3000 with a seeded SQLite database
# under ./data. Installs missing tools first.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$HOME/.cache/platform-builder/target}
scripts/install-tools.sh
export LEPTOS_SITE_ADDR=${LEPTOS_SITE_ADDR:-127.0.0.1:3000}
# The demo: seeded tools answered by this server's own stand-ins under /mock.
export DEMO_TOOLS=${DEMO_TOOLS:-true}
exec cargo leptos serve
