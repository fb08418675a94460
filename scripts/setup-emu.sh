#!/usr/bin/env bash
# Set up the emulation substrate of `mlsim emu` (issue 4). Needs root. Idempotent: run it as
# often as you like; it only does what is missing.
#
#   sudo bash scripts/setup-emu.sh
#
#   1. Debian packages (bookworm): docker.io (engine 20.10 + containerd + runc), redis-server,
#      iproute2 (ip, tc), iputils-ping (hand checks of topologies), kmod.
#   2. CRIU >= 4, isolated: Debian 12's criu 3.17 fails on recent kernels ("vdso: Failed to
#      fill self vdso symtable" on 6.x), and installing trixie's criu with apt pulls trixie's
#      libc6 and upgrades the base system. So this script never adds a trixie source to the
#      system's apt: a PRIVATE apt state (a temporary directory, deleted afterwards) downloads
#      trixie's criu and the libraries it needs (about 25 packages, 8 MB, signatures checked
#      by apt with Debian's archive keyring), `dpkg-deb -x` unpacks them into $CRIU_ROOT
#      (default /opt/mlsim/criu), and Debian's `patchelf` points the criu binary at that tree's
#      own loader and libraries (DT_RPATH), so nothing of the base system changes. A symlink
#      /usr/local/sbin/criu puts it on PATH (for mlsim and for runc's `docker checkpoint`).
#      A criu >= 4 already on PATH whose `criu check` passes is used as it is.
#      Undo: `bash scripts/setup-emu.sh remove-criu` (removes $CRIU_ROOT and the symlink).
#      `criu check` must say "Looks good."; otherwise this script says what is wrong and fails.
#   3. dockerd with --experimental (needed by `docker checkpoint`), started in the background
#      if /var/run/docker.sock does not answer (log: /var/log/mlsim-dockerd.log; pid file:
#      /run/mlsim/dockerd.pid); waits for it. `bash scripts/setup-emu.sh stop-dockerd` stops
#      that daemon again (scripts/test.sh does so at its end if it started it).
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
readonly CRIU_ROOT="${MLSIM_CRIU_ROOT:-/opt/mlsim/criu}"
readonly CRIU_LINK=/usr/local/sbin/criu
readonly CRIU_SUITE=trixie
# Left by earlier versions of this script (which installed trixie's criu system-wide).
readonly OLD_TRIXIE_SOURCES=/etc/apt/sources.list.d/mlsim-trixie.sources
readonly DOCKERD_PIDFILE=/run/mlsim/dockerd.pid
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
# Sub-commands that undo what this script did.
case "${1:-}" in
  "") ;;
  remove-criu)
    if [[ -L $CRIU_LINK && $(readlink "$CRIU_LINK") = "$CRIU_ROOT"/* ]]; then rm -f "$CRIU_LINK"; fi
    rm -rf "$CRIU_ROOT"
    say "removed $CRIU_ROOT and $CRIU_LINK"
    exit 0 ;;
  stop-dockerd)
    # Stops the dockerd this script started (its pid file), and only that one.
    if [[ -f $DOCKERD_PIDFILE ]]; then
      pid=$(cat "$DOCKERD_PIDFILE")
      if kill -0 "$pid" 2>/dev/null && [[ $(cat /proc/"$pid"/comm 2>/dev/null) = dockerd ]]; then
        kill -TERM "$pid"
        for _ in $(seq 1 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        if kill -0 "$pid" 2>/dev/null; then
          say "dockerd (pid $pid) did not stop within 30 s of SIGTERM; sending SIGKILL"
          kill -KILL "$pid" 2>/dev/null || true
        fi
        say "stopped dockerd (pid $pid) started by this script"
      fi
      rm -f "$DOCKERD_PIDFILE"
    else
      say "no dockerd started by this script is running ($DOCKERD_PIDFILE absent)"
    fi
    exit 0 ;;
  *) die "unknown argument '$1': use no argument (set up), remove-criu or stop-dockerd" ;;
esac

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

# ---------------------------------------------------------------- 2. CRIU >= 4, isolated
criu_major() { "${1:-criu}" --version 2>/dev/null | sed -n 's/^Version: \([0-9]*\).*/\1/p'; }
criu_ok() { local m; m=$(criu_major "$1"); [[ $m =~ ^[0-9]+$ ]] && ((m >= 4)) && "$1" check >/dev/null 2>&1; }

# Downloads trixie's criu and the closure of its run-time dependencies with a private apt
# state (nothing of the system's apt configuration, lists or dpkg database is touched) and
# unpacks them into $CRIU_ROOT.
install_isolated_criu() {
  local tmp deb
  if ! command -v patchelf >/dev/null; then
    say "installing Debian's patchelf (to point criu at its own libraries)"
    apt-get install -y --no-install-recommends patchelf \
      || { apt_update_once; apt-get install -y --no-install-recommends patchelf; }
  fi
  tmp=$(mktemp -d /var/tmp/mlsim-criu-apt.XXXXXX)
  # shellcheck disable=SC2064 # expand $tmp now
  trap "rm -rf '$tmp'" RETURN
  mkdir -p "$tmp"/etc/apt.conf.d "$tmp"/etc/preferences.d "$tmp"/etc/sources.list.d \
    "$tmp"/lists/partial "$tmp"/archives/partial "$tmp"/root
  : >"$tmp"/status
  printf 'deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian %s main\n' \
    "$CRIU_SUITE" >"$tmp"/etc/sources.list
  local apt_private=(
    -o Dir::Etc="$tmp"/etc -o Dir::Etc::sourcelist="$tmp"/etc/sources.list
    -o Dir::Etc::sourceparts="$tmp"/etc/sources.list.d -o Dir::Etc::parts="$tmp"/etc/apt.conf.d
    -o Dir::Etc::preferencesparts="$tmp"/etc/preferences.d
    -o Dir::State::lists="$tmp"/lists -o Dir::State::status="$tmp"/status
    -o Dir::Cache::archives="$tmp"/archives -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
    -o APT::Architecture="$(dpkg --print-architecture)" -o Debug::NoLocking=1
    -o APT::Sandbox::User=root
  )
  say "downloading criu from Debian $CRIU_SUITE with a private apt state (the system's apt is not touched)"
  apt-get "${apt_private[@]}" update -qq \
    || die "apt-get update of the private Debian $CRIU_SUITE index failed (is deb.debian.org reachable?)"
  apt-get "${apt_private[@]}" install -y -qq --download-only --no-install-recommends criu \
    || die "downloading criu and its libraries from Debian $CRIU_SUITE failed"
  local archives=("$tmp"/archives/*.deb)
  ((${#archives[@]} > 1)) || die "no packages were downloaded for criu"
  for deb in "${archives[@]}"; do dpkg-deb -x "$deb" "$tmp"/root; done
  local multiarch interp
  multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || gcc -dumpmachine 2>/dev/null || echo x86_64-linux-gnu)
  interp=$(cd "$tmp"/root && find usr/lib64 lib64 usr/lib/"$multiarch" -maxdepth 1 -name 'ld-linux*.so.*' 2>/dev/null | head -1 || true)
  [[ -n $interp ]] || die "the downloaded libc6 has no dynamic loader"
  # DT_RPATH (not RUNPATH) so that the libraries' own dependencies come from the tree too.
  patchelf --set-interpreter "$CRIU_ROOT/$interp" --force-rpath \
    --set-rpath "$CRIU_ROOT/usr/lib/$multiarch:$CRIU_ROOT/lib/$multiarch" "$tmp"/root/usr/sbin/criu
  for deb in "${archives[@]}"; do dpkg-deb -W --showformat='${Package} ${Version}\n' "$deb"; done \
    | sort >"$tmp"/root/MLSIM-PACKAGES
  mkdir -p "$(dirname "$CRIU_ROOT")"
  rm -rf "$CRIU_ROOT"
  mv "$tmp"/root "$CRIU_ROOT"
  say "criu installed in $CRIU_ROOT: $(wc -l <"$CRIU_ROOT"/MLSIM-PACKAGES) packages of Debian $CRIU_SUITE, $(du -sh "$CRIU_ROOT" | cut -f1) (list: $CRIU_ROOT/MLSIM-PACKAGES)"
}

if [[ -f $OLD_TRIXIE_SOURCES ]]; then
  say "note: $OLD_TRIXIE_SOURCES was added by an earlier version of this script; it is no longer used and can be removed (with /etc/apt/preferences.d/mlsim-trixie)"
fi
if criu_ok "$(command -v criu || echo criu)"; then
  say "criu present: $(command -v criu), $(criu --version | head -1)"
else
  if [[ -x $CRIU_ROOT/usr/sbin/criu ]] && criu_ok "$CRIU_ROOT"/usr/sbin/criu; then
    say "criu present in $CRIU_ROOT"
  else
    install_isolated_criu
  fi
  mkdir -p "$(dirname "$CRIU_LINK")"
  ln -sfn "$CRIU_ROOT"/usr/sbin/criu "$CRIU_LINK"
  hash -r
  [[ $(command -v criu) = "$CRIU_LINK" ]] \
    || die "'criu' on PATH is $(command -v criu || echo nothing), not $CRIU_LINK: put $(dirname "$CRIU_LINK") first in PATH (mlsim and runc look criu up on PATH)"
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
  mkdir -p "$(dirname "$DOCKERD_PIDFILE")"
  echo $! >"$DOCKERD_PIDFILE"
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
