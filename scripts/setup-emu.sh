#!/usr/bin/env bash
# Set up the emulation substrate of `mlsim emu` (issue 4). Needs root. Idempotent: run it as
# often as you like; it only does what is missing.
#
#   sudo bash scripts/setup-emu.sh
#
#   1. Debian packages (bookworm): docker.io (engine 20.10 + containerd + runc), redis-server,
#      iproute2 (ip, tc), iputils-ping (hand checks of topologies), kmod.
#   2. CRIU >= 4 from Debian trixie. Bookworm's criu 3.17 fails on recent kernels
#      ("vdso: Unexpected rt vDSO area bounds"). A trixie source is added with pin priority 100
#      (/etc/apt/sources.list.d/mlsim-trixie.sources + /etc/apt/preferences.d/mlsim-trixie), so
#      nothing else is upgraded from trixie unless asked with -t trixie; `apt-get install
#      -t trixie criu` then pulls trixie's criu and the libraries it needs (including libc6).
#      `criu check` must say "Looks good."; otherwise this script says what is wrong and fails.
#   3. dockerd with --experimental (needed by `docker checkpoint`), started in the background
#      if /var/run/docker.sock does not answer (log: /var/log/mlsim-dockerd.log); waits for it.
#   4. Checks that the docker client talks to the daemon and that `docker checkpoint` exists.
#
# Which docker client: Debian's docker.io installs /usr/bin/docker (20.10, same as the
# daemon). A newer CLI earlier in PATH (e.g. /usr/local/bin/docker, Docker 28) negotiates the
# daemon's API version and works too; mlsim calls whatever `docker` is first in PATH unless
# MLSIM_DOCKER names a client. This script checks both when present.
#
# Environment: MLSIM_DOCKERD_TIMEOUT [s] (default 60) bounds the wait for dockerd.
set -euo pipefail

readonly DEB_PACKAGES=(docker.io redis-server iproute2 iputils-ping kmod)
readonly TRIXIE_SOURCES=/etc/apt/sources.list.d/mlsim-trixie.sources
readonly TRIXIE_PIN=/etc/apt/preferences.d/mlsim-trixie
readonly DOCKERD_LOG=/var/log/mlsim-dockerd.log
readonly DOCKER_SOCK=/var/run/docker.sock
readonly DOCKERD_TIMEOUT="${MLSIM_DOCKERD_TIMEOUT:-60}"

say() { printf 'setup-emu: %s\n' "$*"; }
die() { printf 'setup-emu: ERROR: %s\n' "$*" >&2; exit 1; }

if [[ $(id -u) -ne 0 ]]; then
  die "the emulation substrate needs root (it installs Debian packages, starts dockerd, and
  the emulator creates network namespaces and cgroups). Re-run as root:
    sudo bash $0"
fi
command -v apt-get >/dev/null || die "apt-get not found: this script supports Debian (bookworm) only"

export DEBIAN_FRONTEND=noninteractive
installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }
updated=0
apt_update_once() { if [[ $updated = 0 ]]; then apt-get update; updated=1; fi; }

# ---------------------------------------------------------------- 1. bookworm packages
missing=()
for p in "${DEB_PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done
if ((${#missing[@]} > 0)); then
  say "installing Debian packages: ${missing[*]}"
  if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
    say "apt-get install failed; running apt-get update and retrying"
    apt_update_once
    apt-get install -y --no-install-recommends "${missing[@]}"
  fi
else
  say "Debian packages present: ${DEB_PACKAGES[*]}"
fi
# redis-server's package starts a system instance only under systemd; the emulator starts
# its own redis-server processes in the store host, so nothing else is needed here.

# ---------------------------------------------------------------- 2. CRIU >= 4 from trixie
criu_major() { criu --version 2>/dev/null | sed -n 's/^Version: \([0-9]*\).*/\1/p'; }
if [[ "$(criu_major)" =~ ^[0-9]+$ ]] && (($(criu_major) >= 4)); then
  say "criu present: $(criu --version | head -1)"
else
  if [[ ! -f $TRIXIE_SOURCES ]]; then
    say "adding the Debian trixie source (pin priority 100) for criu >= 4"
    cat >"$TRIXIE_SOURCES" <<'EOF'
# Added by mlsim scripts/setup-emu.sh: criu >= 4 (bookworm's 3.17 fails on recent kernels).
# Pinned to priority 100 in /etc/apt/preferences.d/mlsim-trixie: used only with -t trixie.
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
    updated=0
  fi
  if [[ ! -f $TRIXIE_PIN ]]; then
    cat >"$TRIXIE_PIN" <<'EOF'
# Added by mlsim scripts/setup-emu.sh: never prefer trixie over bookworm unless asked (-t trixie).
Package: *
Pin: release n=trixie
Pin-Priority: 100
EOF
  fi
  apt_update_once
  say "installing criu from trixie (this also pulls trixie's libc6)"
  apt-get install -y --no-install-recommends -t trixie criu
  [[ "$(criu_major)" =~ ^[0-9]+$ ]] && (($(criu_major) >= 4)) \
    || die "criu >= 4 expected after installing from trixie, got: $(criu --version 2>&1 | head -1)"
fi
if ! out=$(criu check 2>&1); then
  die "'criu check' failed, so CRIU checkpoints cannot work on this kernel:
$out
  Typical causes: a kernel built without CONFIG_CHECKPOINT_RESTORE, a container without
  CAP_SYS_ADMIN/CAP_CHECKPOINT_RESTORE, or seccomp/ptrace restrictions (kernel.yama.ptrace_scope)."
fi
say "criu check: $(printf '%s\n' "$out" | tail -1)"

# ---------------------------------------------------------------- 3. dockerd --experimental
docker_up() { [[ -S $DOCKER_SOCK ]] && /usr/bin/docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
if docker_up; then
  say "dockerd answers on $DOCKER_SOCK"
else
  command -v dockerd >/dev/null || die "dockerd not found although docker.io is installed"
  say "starting dockerd --experimental in the background (log: $DOCKERD_LOG)"
  # A stale socket or pid file of a dead daemon blocks a new one.
  if [[ -f /var/run/docker.pid ]] && ! kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    rm -f /var/run/docker.pid
  fi
  setsid nohup dockerd --experimental >>"$DOCKERD_LOG" 2>&1 </dev/null &
  deadline=$((SECONDS + DOCKERD_TIMEOUT))
  until docker_up; do
    if ((SECONDS >= deadline)); then
      die "dockerd did not answer on $DOCKER_SOCK within ${DOCKERD_TIMEOUT} s. Last lines of $DOCKERD_LOG:
$(tail -20 "$DOCKERD_LOG")"
    fi
    sleep 0.5
  done
  say "dockerd is up"
fi

# ---------------------------------------------------------------- 4. client checks
experimental=$(/usr/bin/docker version --format '{{.Server.Experimental}}' 2>/dev/null || true)
if [[ $experimental != true ]]; then
  die "dockerd runs without experimental mode, so 'docker checkpoint' is unavailable.
  Stop the running daemon and re-run this script (it starts 'dockerd --experimental'), or add
  {\"experimental\": true} to /etc/docker/daemon.json and restart dockerd."
fi
for client in /usr/bin/docker "$(command -v docker)"; do
  [[ -x $client ]] || continue
  v=$("$client" version --format '{{.Client.Version}} -> server {{.Server.Version}} (API {{.Server.APIVersion}})' 2>&1) \
    || die "docker client $client cannot talk to the daemon: $v"
  "$client" checkpoint ls --help >/dev/null 2>&1 \
    || die "docker client $client has no working 'docker checkpoint' command"
  say "docker client $client: $v; 'docker checkpoint' available"
done
say "done: docker, criu, redis-server and iproute2 are ready for 'mlsim emu'"
