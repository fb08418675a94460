#!/usr/bin/env bash
# Runs every test of mlsim, installing what the tests need first. This is the README's test
# command, and .ci/run calls it.
#
#   bash scripts/test.sh
#
# It installs (idempotently, versions and checksums pinned):
#   - scripts/setup-workloads.sh: registry data of the ride-hailing and stress workloads
#     (into ${MLSIM_DATA:-$HOME/.local/share/mlsim}, outside git; no root needed);
#   - scripts/setup-python.sh: a virtual environment with pandas, polars and pyarrow (pinned,
#     from PyPI, under ${MLSIM_DATA}/py; no root) for tests/cli/dataframes.rs;
#   - scripts/setup-face.sh: Debian's dlib + BLAS (apt-get: needs root) and the dlib models;
#   - scripts/setup-emu.sh: the emulation substrate (docker.io, redis-server, iproute2; CRIU 4
#     isolated under /opt/mlsim/criu, no base-system upgrade; needs root) for the root tests of
#     mlsim-emu (`cargo test -p mlsim-emu --test root`); a dockerd it started for this run is
#     stopped when this script exits.
#   - scripts/slurm-local.sh: Debian's slurmctld, slurmd, slurm-client and munge (needs root),
#     a one-node cluster configured under /var/lib/mlsim-slurm and started for the real Slurm
#     test of `mlsim slurm` (`cargo test -p mlsim --test cli slurm_real_cluster -- --ignored`);
#     the daemons it started are stopped when this script exits.
# Tests whose data or packages are missing are SKIPPED WITH A LOUD MESSAGE; with
# MLSIM_REQUIRE_DATA=1 (set by CI) any such skip makes this script fail instead, and with
# MLSIM_REQUIRE_EMU=1 (set by CI) so does a skipped emulation root test, and with
# MLSIM_REQUIRE_SLURM=1 (set by CI) a skipped real Slurm test.
set -euo pipefail
cd "$(dirname "$0")/.."
export MLSIM_DATA="${MLSIM_DATA:-$HOME/.local/share/mlsim}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

skipped=()
# Each step's header with the clock and the seconds since the start (where a run's time goes).
t0=$(date +%s)
say() { echo "== $* [$(date +%T), +$(( $(date +%s) - t0 )) s]"; }
banner() {
  printf '\n%s\n' "################################################################################"
  printf '# %s\n' "$@"
  printf '%s\n\n' "################################################################################"
}

if ! command -v cargo >/dev/null; then
  echo "test.sh: cargo is not installed; install the Rust toolchain (https://rustup.rs) first" >&2
  exit 2
fi

say "set-up: workload data (ride hailing, stress)"
if ! bash scripts/setup-workloads.sh; then
  skipped+=("real ride-hailing and stress data: scripts/setup-workloads.sh failed (see above)")
fi

say "set-up: Python with pandas and polars (the test that reads every table as a researcher does)"
if ! bash scripts/setup-python.sh; then
  skipped+=("reading result tables with pandas and polars: scripts/setup-python.sh failed (see above)")
fi

say "set-up: face recognition (dlib)"
face=0
if [ "$(id -u)" -ne 0 ]; then
  skipped+=("face recognition with dlib: installing Debian's dlib needs root; run 'sudo bash scripts/setup-face.sh', then this script again")
elif bash scripts/setup-face.sh; then
  face=1
else
  skipped+=("face recognition with dlib: scripts/setup-face.sh failed (see above)")
fi

# Services this script starts are stopped when it exits (pass or fail): the one-node Slurm
# cluster, and dockerd if scripts/setup-emu.sh started it during this run (a daemon that was
# already running is left alone).
stop_dockerd=0
stop_slurm=0
cleanup() {
  if [ "$stop_slurm" = 1 ]; then bash scripts/slurm-local.sh stop || true; fi
  if [ "$stop_dockerd" = 1 ]; then bash scripts/setup-emu.sh stop-dockerd || true; fi
}
trap cleanup EXIT

say "set-up: emulation substrate (docker, criu, redis, iproute2)"
dockerd_pidfile_before=0
if [ -f /run/mlsim/dockerd.pid ]; then dockerd_pidfile_before=1; fi
if [ "$(id -u)" -ne 0 ]; then
  skipped+=("emulation root tests (mlsim-emu --test root): they need root; run 'sudo bash scripts/setup-emu.sh', then this script as root")
elif ! bash scripts/setup-emu.sh; then
  skipped+=("emulation root tests (mlsim-emu --test root): scripts/setup-emu.sh failed (see above)")
fi
if [ "$dockerd_pidfile_before" = 0 ] && [ -f /run/mlsim/dockerd.pid ]; then stop_dockerd=1; fi
if [ "${MLSIM_REQUIRE_EMU:-0}" = 1 ] && printf '%s\n' "${skipped[@]}" | grep -q '^emulation root tests'; then
  banner "ERROR: MLSIM_REQUIRE_EMU=1 but the emulation root tests cannot run:" "${skipped[@]}"
  exit 1
fi

say "set-up: a one-node Slurm cluster (slurmctld, slurmd, munge) for the real Slurm test"
slurm=0
export SLURM_CONF=/var/lib/mlsim-slurm/slurm.conf
if [ "$(id -u)" -ne 0 ]; then
  skipped+=("real Slurm test (mlsim slurm --submit): installing and starting Slurm needs root; run this script as root")
elif bash scripts/slurm-local.sh start; then
  slurm=1
  stop_slurm=1
else
  skipped+=("real Slurm test (mlsim slurm --submit): scripts/slurm-local.sh start failed (see above)")
fi
if [ "${MLSIM_REQUIRE_SLURM:-0}" = 1 ] && printf '%s\n' "${skipped[@]}" | grep -q '^real Slurm test'; then
  banner "ERROR: MLSIM_REQUIRE_SLURM=1 but the real Slurm test cannot run:" "${skipped[@]}"
  exit 1
fi

if [ ${#skipped[@]} -gt 0 ]; then
  banner "WARNING: SOME TESTS WILL BE SKIPPED:" "${skipped[@]}"
  if [ "${MLSIM_REQUIRE_DATA:-0}" = 1 ]; then
    echo "test.sh: MLSIM_REQUIRE_DATA=1: a skipped test is a failure" >&2
    exit 1
  fi
fi

say "tests: the whole workspace (the emulation root tests run in their own step below)"
cargo test --workspace --exclude mlsim-emu --locked
cargo test -p mlsim-emu --lib --bins --locked
cargo test -p mlsim-emu --doc --locked

if [ "$slurm" = 1 ]; then
  say "tests: mlsim slurm on a real one-node Slurm cluster (3 array tasks + the merge job)"
  cargo test -p mlsim --test cli --locked slurm_real_cluster -- --ignored --nocapture
fi

say "tests: emulation root tests (mlsim-emu --test root; loud SKIPPED banners without root)"
MLSIM_REQUIRE_EMU="${MLSIM_REQUIRE_EMU:-0}" cargo test -p mlsim-emu --test root --locked

say "tests: TLC Parquet trip files (feature parquet: the reader in mlsim-datasets, forwarded by mlsim-workloads)"
cargo test -p mlsim-datasets --features parquet --locked
cargo test -p mlsim-workloads --features parquet --locked

if [ "$face" = 1 ]; then
  say "tests: face recognition with dlib"
  cargo test -p mlsim-face --features dlib --locked
fi

if [ ${#skipped[@]} -gt 0 ]; then
  banner "WARNING: THESE TESTS WERE SKIPPED:" "${skipped[@]}"
fi
echo "test.sh: all tests passed"
