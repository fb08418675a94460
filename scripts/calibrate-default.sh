#!/usr/bin/env bash
# Re-measures the built-in "default" model (models/default.toml) on this machine: runs
# `mlsim calibrate` inside a cgroup capped at ONE core (CFS quota 50 ms per 50 ms), the CPU a
# spec core gets in the emulation (`mlsim emu run`, one real core per spec core) and the unit of
# the simulator's per-core times. Without the cap, multi-threaded programs (face's dlib, stress's
# extraction threads) would be timed on both cores and run faster than in the emulation; pinning
# with taskset instead is not the same either (a CFS quota lets threads run in parallel bursts).
#
#   sudo bash scripts/calibrate-default.sh [OUT] [extra mlsim calibrate options]
#
# OUT defaults to results/calibration. The extra options must be others than the script's own
# (--apps, --methods, --samples, --base-model, --out: clap refuses an option given twice); set
# those through the environment instead:
#   MLSIM_CALIBRATE_CORES=0.5     cap the cgroup at that many cores (in (0, 2]) instead of one:
#                                 how the speed scaling of checkpoint and restore times was
#                                 measured (README, "Checkpoint and restore times and BBU speed")
#   MLSIM_CALIBRATE_SAMPLES=12    checkpoints per app and method (default 50)
#   MLSIM_CALIBRATE_APPS=taxi     the apps (default taxi,stress,face; face needs dlib's build)
# Review OUT/fit.csv and OUT/residuals.png, then copy
# OUT/model.toml to models/default.toml (and keep the hand-edited [structure] lines: safe points
# and shards describe the real programs, which calibration does not measure).
set -euo pipefail
cd "$(dirname "$0")/.."
if [ "$(id -u)" -ne 0 ]; then
  echo "calibrate-default.sh: needs root (namespaces, CRIU, cgroups); run it with sudo" >&2
  exit 2
fi
out="${1:-results/calibration}"
shift || true
cargo build --release -p mlsim -p mlsim-workloads
if [ -n "${MLSIM_CALIBRATE_APPS:-}" ]; then
  apps="$MLSIM_CALIBRATE_APPS"
elif [ -f target/release/mlsim-face ] || cargo build --release -p mlsim-face --features dlib; then
  apps=taxi,stress,face
else
  echo "calibrate-default.sh: mlsim-face (dlib) is not built; calibrating taxi and stress only" >&2
  apps=taxi,stress
fi
cores="${MLSIM_CALIBRATE_CORES:-1}"
quota=$(awk -v c="$cores" 'BEGIN { if (c + 0 > 0 && c + 0 <= 2) printf "%d", c * 50000; else print "bad" }')
if [ "$quota" = bad ]; then
  echo "calibrate-default.sh: MLSIM_CALIBRATE_CORES must be a number of cores in (0, 2], not '$cores'" >&2
  exit 2
fi
cg=/sys/fs/cgroup/cpu/mlsim-calibrate
mkdir -p "$cg"
echo 50000 > "$cg/cpu.cfs_period_us"
echo "$quota" > "$cg/cpu.cfs_quota_us"
cleanup() {
  # Move every process back to the root cgroup, then remove ours.
  while read -r pid; do echo "$pid" > /sys/fs/cgroup/cpu/tasks 2>/dev/null || true; done < "$cg/tasks"
  rmdir "$cg" 2>/dev/null || true
}
trap cleanup EXIT
bash -c 'echo $$ > '"$cg"'/tasks; exec "$@"' calibrate \
  target/release/mlsim calibrate --apps "$apps" --methods mulambda,criu --samples "${MLSIM_CALIBRATE_SAMPLES:-50}" \
  --base-model models/default.toml --out "$out" "$@"
