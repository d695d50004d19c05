#!/usr/bin/env bash
# Build the ClaimDesk wheel into dist/.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip wheel --no-deps --wheel-dir dist .
