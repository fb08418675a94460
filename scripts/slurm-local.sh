#!/usr/bin/env bash
# A one-node Slurm cluster on this machine, for the real Slurm test of `mlsim slurm`
# (scripts/test.sh runs it as root). Needs root.
#
#   sudo bash scripts/slurm-local.sh start   # install (if missing), configure, start
#   sudo bash scripts/slurm-local.sh stop    # stop what `start` started
#
# Installs Debian's slurmctld, slurmd, slurm-client and munge if missing (bookworm: Slurm
# 22.05). Everything it writes is under /var/lib/mlsim-slurm (MLSIM_SLURM_DIR):
#   slurm.conf            ClusterName=mlsim, SlurmctldHost=localhost, one node "localhost" with
#                         this machine's CPUs and RealMemory (from `slurmd -C`), partition
#                         "mlsim" (default), proctrack/linuxproc, task/none, select/cons_tres,
#                         no accounting (no slurmdbd: sacct does not work, squeue does)
#   ctld/ d/              slurmctld's state and slurmd's spool
#   *.log *.pid           the daemons' logs and pid files; started.pids: what `stop` stops
# /etc/slurm is not touched: the daemons and clients read SLURM_CONF=/var/lib/mlsim-slurm/
# slurm.conf (set it to use `sbatch`/`squeue` by hand). munged uses Debian's /etc/munge/
# munge.key (made by the package) and is started only if it is not running already.
# The daemons are started directly, not through systemd: PID 1 need not be systemd (in this
# project's VMs it is not, and `systemctl` cannot start units there).
set -euo pipefail

readonly D="${MLSIM_SLURM_DIR:-/var/lib/mlsim-slurm}"
readonly CONF="$D/slurm.conf"
readonly PIDS="$D/started.pids"
say() { printf 'slurm-local: %s\n' "$*"; }
die() { printf 'slurm-local: ERROR: %s\n' "$*" >&2; exit 1; }

[[ $(id -u) -eq 0 ]] || die "needs root (it installs packages and starts munged, slurmctld, slurmd)"
export SLURM_CONF="$CONF"

stop() {
  if [[ -f $PIDS ]]; then
    # Newest first: slurmd, slurmctld, then munged (only the ones this script started).
    tac "$PIDS" | while read -r name pid; do
      if kill -0 "$pid" 2>/dev/null; then
        say "stopping $name (pid $pid)"
        kill "$pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        kill -9 "$pid" 2>/dev/null || true
      fi
    done
    rm -f "$PIDS"
  fi
}

start() {
  export DEBIAN_FRONTEND=noninteractive
  local missing=()
  for p in slurmctld slurmd slurm-client munge; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  if ((${#missing[@]} > 0)); then
    say "installing Debian packages: ${missing[*]}"
    apt-get install -y --no-install-recommends "${missing[@]}" ||
      { apt-get update && apt-get install -y --no-install-recommends "${missing[@]}"; }
  fi
  stop
  mkdir -p "$D/ctld" "$D/d"
  : > "$PIDS"

  # munge: the key comes with the package; start munged unless one answers already.
  [[ -s /etc/munge/munge.key ]] || die "/etc/munge/munge.key is missing (reinstall munge)"
  if ! munge -n 2>/dev/null | unmunge >/dev/null 2>&1; then
    mkdir -p /run/munge && chown munge:munge /run/munge && chmod 755 /run/munge
    runuser -u munge -- /usr/sbin/munged
    for _ in $(seq 50); do [[ -s /run/munge/munged.pid ]] && break; sleep 0.1; done
    echo "munged $(cat /run/munge/munged.pid)" >> "$PIDS"
    munge -n | unmunge >/dev/null || die "munged does not answer"
    say "started munged"
  else
    say "munged is running already (left alone)"
  fi

  # The node line: this machine's CPUs and memory as slurmd sees them.
  local node
  node=$(slurmd -C | head -1 | sed -e 's/^NodeName=[^ ]* //')
  [[ $node == CPUs=* ]] || die "unexpected 'slurmd -C' output: $node"
  cat > "$CONF" <<EOF
# Written by scripts/slurm-local.sh (mlsim's test of mlsim slurm): a one-node cluster.
ClusterName=mlsim
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
StateSaveLocation=$D/ctld
SlurmdSpoolDir=$D/d
SlurmctldPidFile=$D/slurmctld.pid
SlurmdPidFile=$D/slurmd.pid
SlurmctldLogFile=$D/slurmctld.log
SlurmdLogFile=$D/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
MpiDefault=none
ReturnToService=2
SlurmctldTimeout=30
SlurmdTimeout=30
MinJobAge=300
NodeName=localhost NodeAddr=127.0.0.1 $node State=UNKNOWN
PartitionName=mlsim Nodes=localhost Default=YES MaxTime=INFINITE State=UP
EOF
  say "wrote $CONF (node: $node)"

  slurmctld -f "$CONF" -i
  for _ in $(seq 50); do [[ -s $D/slurmctld.pid ]] && break; sleep 0.1; done
  echo "slurmctld $(cat "$D/slurmctld.pid")" >> "$PIDS"
  slurmd -f "$CONF" -N localhost
  for _ in $(seq 50); do [[ -s $D/slurmd.pid ]] && break; sleep 0.1; done
  echo "slurmd $(cat "$D/slurmd.pid")" >> "$PIDS"

  # Wait for the node to be idle.
  local state=""
  for _ in $(seq 60); do
    state=$(sinfo -h -N -n localhost -o '%t' 2>/dev/null || true)
    [[ $state == idle ]] && break
    sleep 1
  done
  if [[ $state != idle ]]; then
    sinfo -N -l || true
    tail -20 "$D/slurmctld.log" "$D/slurmd.log" >&2 || true
    die "the node did not become idle (state: ${state:-none}); logs above"
  fi
  say "one-node cluster up: $(sinfo -h -o '%P %D %c %m %t')"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) die "usage: $0 start|stop" ;;
esac
