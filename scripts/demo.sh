#!/usr/bin/env bash
# The newcomer's first run: install what is missing, then `cxmon demo` (extra arguments go to it).
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bash "$ROOT/scripts/setup.sh"
exec "$ROOT/.venv/bin/cxmon" demo "$@"
