#!/usr/bin/env bash
# Run the whole test suite: install what is missing, start the S3 and PostgreSQL servers the
# integration tests need (unless CXMON_TEST_S3_ENDPOINT says they run already), run pytest
# (extra arguments go to it), stop the servers again.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
bash scripts/setup.sh dev,all
# The Russian speech tests speak with Festival: Whisper base cannot follow espeak-ng's Russian.
if ! command -v text2wave >/dev/null || [ ! -d /usr/share/festival/voices/russian ]; then
  echo "test.sh: installing festival festvox-ru (Debian packages)" >&2
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq festival festvox-ru >/dev/null
fi
if [ -z "${CXMON_TEST_S3_ENDPOINT:-}" ]; then
  eval "$(bash scripts/services.sh start)"
  trap 'bash scripts/services.sh stop' EXIT
fi
export CXMON_TEST_REQUIRE_SERVICES=${CXMON_TEST_REQUIRE_SERVICES:-1}
.venv/bin/python -m pytest "$@"
