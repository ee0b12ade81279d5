#!/usr/bin/env bash
# Run the whole test suite: install what is missing, start the S3 and PostgreSQL servers the
# integration tests need (unless CXMON_TEST_S3_ENDPOINT says they run already), run pytest
# (extra arguments go to it), stop the servers again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh dev,all
# The web app's browser tests drive Debian's chromium (Playwright's own browser download is not used).
if [ ! -x /usr/bin/chromium ]; then
  echo "test.sh: installing chromium (Debian package) for the browser tests" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi
if [ -z "${CXMON_TEST_S3_ENDPOINT:-}" ]; then
  eval "$(bash scripts/services.sh start)"
  trap 'bash scripts/services.sh stop' EXIT
fi
export CXMON_TEST_REQUIRE_SERVICES=${CXMON_TEST_REQUIRE_SERVICES:-1}
.venv/bin/python -m pytest "$@"
