#!/usr/bin/env bash
# Runs every test of mlsim, installing what the tests need first. This is the README's test
# command, and .ci/run calls it.
#
#   bash scripts/test.sh
#
# It installs (idempotently, versions and checksums pinned):
#   - scripts/setup-workloads.sh: registry data of the ride-hailing and stress workloads
#     (into ${MLSIM_DATA:-$HOME/.local/share/mlsim}, outside git; no root needed);
#   - scripts/setup-face.sh: Debian's dlib + BLAS (apt-get: needs root) and the dlib models.
# Tests whose data or packages are missing are SKIPPED WITH A LOUD MESSAGE; with
# MLSIM_REQUIRE_DATA=1 (set by CI) any such skip makes this script fail instead.
set -euo pipefail
cd "$(dirname "$0")/.."
export MLSIM_DATA="${MLSIM_DATA:-$HOME/.local/share/mlsim}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

skipped=()
banner() {
  printf '\n%s\n' "################################################################################"
  printf '# %s\n' "$@"
  printf '%s\n\n' "################################################################################"
}

if ! command -v cargo >/dev/null; then
  echo "test.sh: cargo is not installed; install the Rust toolchain (https://rustup.rs) first" >&2
  exit 2
fi

echo "== set-up: workload data (ride hailing, stress)"
if ! bash scripts/setup-workloads.sh; then
  skipped+=("real ride-hailing and stress data: scripts/setup-workloads.sh failed (see above)")
fi

echo "== set-up: face recognition (dlib)"
face=0
if [ "$(id -u)" -ne 0 ]; then
  skipped+=("face recognition with dlib: installing Debian's dlib needs root; run 'sudo bash scripts/setup-face.sh', then this script again")
elif bash scripts/setup-face.sh; then
  face=1
else
  skipped+=("face recognition with dlib: scripts/setup-face.sh failed (see above)")
fi

if [ ${#skipped[@]} -gt 0 ]; then
  banner "WARNING: SOME TESTS WILL BE SKIPPED:" "${skipped[@]}"
  if [ "${MLSIM_REQUIRE_DATA:-0}" = 1 ]; then
    echo "test.sh: MLSIM_REQUIRE_DATA=1: a skipped test is a failure" >&2
    exit 1
  fi
fi

echo "== tests: the whole workspace"
cargo test --workspace --locked

echo "== tests: TLC Parquet trip files (feature parquet of mlsim-workloads)"
cargo test -p mlsim-workloads --features parquet --locked

if [ "$face" = 1 ]; then
  echo "== tests: face recognition with dlib"
  cargo test -p mlsim-face --features dlib --locked
fi

if [ ${#skipped[@]} -gt 0 ]; then
  banner "WARNING: THESE TESTS WERE SKIPPED:" "${skipped[@]}"
fi
echo "test.sh: all tests passed"
