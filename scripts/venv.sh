#!/usr/bin/env bash
# Creates (once) the project's Python environment at .venv/ with the pinned reference tools:
#   onnx 1.22.0 (the last wheel that ships the backend node tests), onnxruntime 1.32.x, numpy.
# Idempotent: when .venv already has the right versions it does nothing.
# The last line of output is the venv's python interpreter, so other scripts can do:
#   PY=$(scripts/venv.sh | tail -1)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
venv="$root/.venv"
py="$venv/bin/python"

# Pins. onnxruntime is pinned to the 1.32 series: its outputs are the reference for the fixtures.
requirements=("onnx==1.22.0" "onnxruntime>=1.32,<1.33" "numpy")

die() { echo "venv.sh: $*" >&2; exit 1; }

python=${PYTHON:-python3}
command -v "$python" >/dev/null 2>&1 \
  || die "'$python' is not installed. On Debian/Ubuntu: apt-get install python3 python3-venv"

# Checks whether the venv already holds the pinned versions (exit status 0 when it does).
have_pins() {
  [ -x "$py" ] && "$py" - <<'EOF' 2>/dev/null
import sys
from importlib.metadata import version
ok = version("onnx") == "1.22.0" and version("onnxruntime").startswith("1.32.") and version("numpy")
sys.exit(0 if ok else 1)
EOF
}

if ! have_pins; then
  # A venv left half-made by a failed `python3 -m venv` (Debian without python3-venv) has no pip: remake it.
  if [ -x "$py" ] && ! "$py" -m pip --version >/dev/null 2>&1; then
    echo "$venv has no pip; recreating it" >&2
    rm -rf "$venv"
  fi
  if [ ! -x "$py" ]; then
    "$python" -c "import venv, ensurepip" 2>/dev/null \
      || die "the Python venv module (with ensurepip) is missing. On Debian/Ubuntu: apt-get install python3-venv"
    echo "creating $venv" >&2
    "$python" -m venv "$venv" \
      || die "could not create $venv. On Debian/Ubuntu: apt-get install python3-venv"
  fi
  echo "installing ${requirements[*]} into $venv" >&2
  "$py" -m pip install --quiet --disable-pip-version-check "${requirements[@]}" \
    || die "pip install failed (network access to PyPI is needed once)"
  have_pins || die "the venv at $venv does not hold the pinned versions after installing; delete it and rerun"
fi

echo "python venv ready: $venv" >&2
echo "$py"
