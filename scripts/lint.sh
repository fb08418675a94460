#!/usr/bin/env bash
# The checks CI runs before the tests (.ci/run); run it before you push:
#
#   bash scripts/lint.sh
#
# 1. formatting (rustfmt), 2. clippy with every warning an error, on every target of the
# workspace, 3. the API docs build without a warning (broken intra-doc links included),
# 4. the crate directions of the README's Architecture section (tests/cli/crate_graph.rs, which
# reads the real graph from `cargo metadata`).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
t0=$(date +%s)
say() { echo "== $* [$(date +%T), +$(( $(date +%s) - t0 )) s]"; }

say "lint: cargo fmt --all --check"
cargo fmt --all --check

say "lint: cargo clippy --workspace --all-targets -- -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

say "lint: cargo doc --workspace --no-deps (warnings denied)"
RUSTDOCFLAGS=-Dwarnings cargo doc --workspace --no-deps --locked

say "lint: crate directions"
cargo test --locked --test cli crate_graph

echo "lint.sh: all checks passed"
