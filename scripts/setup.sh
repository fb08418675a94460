#!/usr/bin/env bash
# Sets up everything the real workloads need, idempotently (run it as often as you like):
#   - scripts/setup-workloads.sh: ride-hailing and stress data from pinned PyPI packages
#     (checksums verified) into ${MLSIM_DATA:-$HOME/.local/share/mlsim}; no root needed;
#   - scripts/setup-face.sh: Debian's dlib + BLAS (apt-get, needs root) and the dlib models.
# The simulator (`mlsim run ...`) needs none of this. scripts/test.sh runs both parts itself.
#
#   sudo bash scripts/setup.sh        # or without sudo: everything but the face workload
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup-workloads.sh
if [ "$(id -u)" -eq 0 ]; then
  bash scripts/setup-face.sh
else
  echo "setup: not root: skipped the face workload (Debian's dlib); run 'sudo bash scripts/setup-face.sh' for it" >&2
fi
echo "setup: done (data in ${MLSIM_DATA:-$HOME/.local/share/mlsim})"
