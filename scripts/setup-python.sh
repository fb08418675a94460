#!/usr/bin/env bash
# A Python environment with pandas and polars, for the test that reads every table of a result
# folder the way a researcher would (tests/cli/dataframes.rs, scripts/check_tables.py).
#
# Idempotent; no root. It makes a virtual environment (python3 -m venv, the base system's
# Python and packages untouched) at
#   ${MLSIM_DATA:-$HOME/.local/share/mlsim}/py
# and installs exact versions from PyPI: pandas 2.2.3, polars 1.44.2, pyarrow 25.0.1 (pandas'
# Parquet engine). About 10 s and 520 MB. The test finds it there, or takes MLSIM_PYTHON.
#
# Needs: python3 (3.9 or newer) with its venv module (Debian: apt-get install python3-venv).
set -euo pipefail

DATA_ROOT="${MLSIM_DATA:-$HOME/.local/share/mlsim}"
VENV="$DATA_ROOT/py"
PY="${PYTHON:-python3}"
readonly PINS=(pandas==2.2.3 polars==1.44.2 pyarrow==25.0.1)

say() { printf 'setup-python: %s\n' "$*"; }
die() { printf 'setup-python: ERROR: %s\n' "$*" >&2; exit 1; }

command -v "$PY" >/dev/null || die "$PY is missing; install python3 and python3-venv"
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" - "${PINS[@]}" <<'PYEOF'
import sys
from importlib.metadata import version
sys.exit(0 if all(version(p.split("==")[0]) == p.split("==")[1] for p in sys.argv[1:]) else 1)
PYEOF
then
  say "ready: $VENV (${PINS[*]})"
  exit 0
fi
say "creating $VENV with ${PINS[*]}"
rm -rf "$VENV"
if ! "$PY" -m venv "$VENV"; then
  # Debian splits venv's ensurepip into python3-venv: install it (no upgrade of anything else)
  # when we may, then try again.
  rm -rf "$VENV"
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
    say "python3 -m venv failed; installing Debian's python3-venv"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-upgrade python3-venv >/dev/null \
      || die "apt-get install python3-venv failed"
    "$PY" -m venv "$VENV" || die "python3 -m venv failed even with python3-venv"
  else
    die "python3 -m venv failed (Debian: sudo apt-get install python3-venv)"
  fi
fi
"$VENV/bin/python" -m pip install --quiet --disable-pip-version-check "${PINS[@]}" \
  || die "pip install ${PINS[*]} failed"
say "ready: $VENV"
