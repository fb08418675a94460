#!/usr/bin/env python3
"""Reads every table of mlsim result folders with pandas and with polars, as a researcher would,
and fails if a table does not read, disagrees with the folder's column dictionary, or loses rows
in the group-bys a researcher would run.

    python scripts/check_tables.py FOLDER [FOLDER ...]

Needs pandas and polars (scripts/setup-python.sh makes an environment with both). The checks:
- every table listed in the folder's columns.csv reads with pandas.read_csv and polars.read_csv,
  with the same rows and columns in both; its Parquet twin (when the folder has one) reads with
  pandas.read_parquet and polars.read_parquet and holds the same cells, typed;
- each column's type, as polars infers it, is the dictionary's (integer, float, boolean, string);
  a column without any value may read as anything;
- no cell is the text NaN (a statistic of nothing is an empty cell);
- the group-bys below keep every row with pandas' defaults (which drop empty keys), and polars
  finds the same groups: long-running's r_limit_s is inf, never empty;
- policies.csv has one row per (method, r_limit_s, placement);
- the per-run tables (runs/NNNNNN/<table>.csv) read with pandas and polars, each with the merged
  table's columns, and together (one polars glob over the runs, typed by the Parquet table's
  schema) they are the merged table, row for row;
- summary.csv of a protocol study, computed again with polars group-bys from runs.csv,
  requests.csv and checkpoints.csv, is mlsim's: runs, requests, the mean execution time over
  replications and its Student-t 95 % half-width, the per-request means, the checkpoint medians.
"""

import sys
from pathlib import Path

import pandas as pd
import polars as pl

# Group-by keys per table (those of them the table has), and whether each group is one row.
GROUPS = {
    "requests.csv": (["app", "method", "r_limit_s", "items", "placement"], False),
    "runs.csv": (["app", "method", "placement", "r_limit_s"], False),
    "checkpoints.csv": (["app", "method"], False),
    "invocations.csv": (["outcome"], False),
    "policies.csv": (["method", "r_limit_s", "placement"], True),
    "calls.csv": (["policy", "function", "cold"], False),
    "instances.csv": (["policy", "function", "end"], False),
    "functions.csv": (["method", "function"], False),
}

INT = {pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64}
INT |= {getattr(pl, t) for t in ("Int128", "UInt128") if hasattr(pl, t)}
FLOAT = {pl.Float32, pl.Float64}


def kind_ok(kind, dtype, values):
    """Whether a polars dtype fits the dictionary's type."""
    if values.null_count() == len(values):
        return True
    base = dtype.base_type() if hasattr(dtype, "base_type") else dtype
    if kind == "integer":
        return base in INT
    if kind == "float":
        # A float column whose cells all read as integers (e.g. 0) is still numeric.
        return base in FLOAT or base in INT
    if kind == "boolean":
        return base == pl.Boolean
    if kind == "string":
        return True
    return True  # "as the spec": the spec's own type


def check_folder(folder: Path) -> list:
    errors = []
    dictionary = pd.read_csv(folder / "columns.csv", dtype=str, keep_default_na=False)
    tables = list(dict.fromkeys(dictionary["file"]))
    if not tables:
        errors.append(f"{folder}: columns.csv lists no table")
    for table in tables:
        path = folder / table
        text = path.read_text()
        where = f"{folder.name}/{table}"
        if ",NaN" in text or "NaN," in text:
            errors.append(f"{where}: a cell is NaN (should be empty)")
        try:
            pdf = pd.read_csv(path)
            plf = pl.read_csv(path, infer_schema_length=None)
        except Exception as e:  # noqa: BLE001 - any reader failure is the finding
            errors.append(f"{where}: does not read: {e}")
            continue
        parquet = path.with_suffix(".parquet")
        if parquet.exists():
            # The Parquet table holds the CSV's cells, typed: polars reads them back equal to
            # the CSV cast to the Parquet schema; pandas (pyarrow) reads the same shape.
            plq = pl.read_parquet(parquet)
            if plq.columns != plf.columns:
                errors.append(f"{where}: the Parquet columns differ: {plq.columns}")
            elif not plq.equals(plf.cast(plq.schema, strict=False)):
                errors.append(f"{where}: the Parquet cells differ from the CSV's")
            if pd.read_parquet(parquet).shape != pdf.shape:
                errors.append(f"{where}: pandas reads the Parquet table as another shape")
        if pdf.shape != plf.shape or list(pdf.columns) != plf.columns:
            errors.append(f"{where}: pandas reads {pdf.shape}, polars {plf.shape}")
        cols = dictionary[dictionary["file"] == table]
        if list(cols["column"]) != plf.columns:
            errors.append(f"{where}: columns.csv lists {list(cols['column'])}, the table has {plf.columns}")
        for _, c in cols.iterrows():
            if c["column"] in plf.columns:
                s = plf[c["column"]]
                if not kind_ok(c["type"], s.dtype, s):
                    errors.append(f"{where}: column {c['column']} reads as {s.dtype}, the dictionary says {c['type']}")
        if "r_limit_s" in pdf.columns and "method" in pdf.columns:
            lr = pdf[pdf["method"] == "long_running"]["r_limit_s"]
            if len(lr) and not (lr == float("inf")).all():
                errors.append(f"{where}: long_running rows have r_limit_s {sorted(set(map(str, lr)))}, not inf")
        keys, one_each = GROUPS.get(table, (None, False))
        if table == "summary.csv" and "method" in pdf.columns:
            keys = ["app", "method", "placement", "r_limit_s"]
        if not keys:
            continue
        keys = [k for k in keys if k in pdf.columns and pdf[k].notna().any()]
        if not keys or len(pdf) == 0:
            continue
        sizes = pdf.groupby(keys).size()
        if sizes.sum() != len(pdf):
            errors.append(f"{where}: pandas groupby({keys}) keeps {sizes.sum()} of {len(pdf)} rows")
        groups = plf.group_by(keys).len()
        if groups.height != len(sizes):
            errors.append(f"{where}: polars finds {groups.height} groups of {keys}, pandas {len(sizes)}")
        if one_each and (sizes != 1).any():
            errors.append(f"{where}: more than one row per {keys}")
        numeric = [c for c in pdf.columns if c not in keys and pd.api.types.is_numeric_dtype(pdf[c])]
        if numeric:
            pdf.groupby(keys)[numeric].mean()
            plf.group_by(keys).agg([pl.col(c).mean() for c in numeric])
        print(f"  {where}: {len(pdf)} rows, {len(sizes)} groups of {keys}")
    return errors


# t(0.975, df), the two-sided 95 % Student-t quantile, for the replication counts the
# experiments use (standard table values; e.g. df = 9: 2.2621572).
T975 = {1: 12.7062047, 2: 4.3026527, 3: 3.1824463, 4: 2.7764451, 5: 2.5705818, 6: 2.4469119,
        7: 2.3646243, 8: 2.3060041, 9: 2.2621572, 10: 2.2281389, 19: 2.0930241, 29: 2.0452296}


def close(a, b, rel=1e-9):
    """Equal floats (both missing counts as equal), to a relative tolerance."""
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= rel * max(1.0, abs(a), abs(b))


def check_run_tables(folder: Path, tables) -> list:
    """The per-run tables against the merged ones."""
    errors = []
    run_dirs = sorted(d for d in (folder / "runs").glob("[0-9]*") if d.is_dir())
    if not run_dirs:
        return errors
    for table in tables:
        files = [d / table for d in run_dirs if (d / table).exists()]
        if not files:
            continue
        where = f"{folder.name}/runs/*/{table}"
        merged = pl.read_csv(folder / table, infer_schema_length=None)
        rows = 0
        # pandas and polars on every run file (up to 200 of them: the first and last ones).
        sample = files if len(files) <= 200 else files[:100] + files[-100:]
        for f in sample:
            pdf = pd.read_csv(f)
            plf = pl.read_csv(f)
            if list(pdf.columns) != merged.columns or plf.columns != merged.columns:
                errors.append(f"{where}: {f.parent.name} has columns {list(pdf.columns)}")
                break
            if len(pdf) != plf.height:
                errors.append(f"{where}: {f.parent.name}: pandas reads {len(pdf)} rows, polars {plf.height}")
        parquet = (folder / table).with_suffix(".parquet")
        schema = pl.read_parquet_schema(parquet) if parquet.exists() else merged.schema
        glob = pl.read_csv(str(folder / "runs" / "*" / table), schema=schema)
        rows = glob.height
        if rows != merged.height:
            errors.append(f"{where}: {rows} rows in the runs, {merged.height} merged")
        elif not glob.equals(merged.cast(schema, strict=False)):
            errors.append(f"{where}: the runs' rows are not the merged table's")
        else:
            print(f"  {where}: {len(files)} run files, {rows} rows = {table}")
    return errors


def check_summary(folder: Path) -> list:
    """summary.csv of a protocol study against polars group-bys of its records."""
    summary = folder / "summary.csv"
    if not summary.exists() or not (folder / "requests.csv").exists():
        return []
    got = pl.read_csv(summary, infer_schema_length=None)
    if "exec_mean_s" not in got.columns:
        return []
    errors = []
    runs = pl.read_csv(folder / "runs.csv", infer_schema_length=None).select(
        "run", "point", "replication", "status")
    req = pl.read_csv(folder / "requests.csv", infer_schema_length=None).join(
        runs.select("run", "point", "replication"), on="run")
    ok = pl.col("status") == "ok"
    reps = (req.filter(ok).group_by("point", "replication")
            .agg(pl.col("exec_time_s").mean().alias("m")))
    exec_ = reps.group_by("point").agg(
        pl.col("m").mean().alias("exec_mean_s"), pl.col("m").std().alias("sd"),
        pl.len().alias("n"))
    per = req.group_by("point").agg(
        ok.sum().alias("requests_ok"), (~ok).sum().alias("requests_failed"),
        pl.col("bytes").mean().alias("bytes_mean"),
        pl.col("invocations").mean().alias("invocations_mean"),
        pl.col("checkpoints").mean().alias("checkpoints_mean"),
        pl.col("missed_checkpoints").mean().alias("missed_mean"),
        pl.col("lost_work_s").mean().alias("lost_work_mean_s"))
    nruns = runs.filter(ok).group_by("point").agg(pl.len().alias("runs"))
    want = per.join(exec_, on="point", how="left").join(nruns, on="point", how="left")
    ck_path = folder / "checkpoints.csv"
    if ck_path.exists():
        ck = pl.read_csv(ck_path, infer_schema_length=None)
        if ck.height:
            ck = ck.join(runs.select("run", "point"), on="run").group_by("point").agg(
                (pl.col("time_ns") / 1e6).median().alias("ckpt_time_median_ms"),
                pl.col("size_bytes").cast(pl.Float64).median().alias("ckpt_size_median_bytes"))
            want = want.join(ck, on="point", how="left")
    want = {r["point"]: r for r in want.iter_rows(named=True)}
    checked = 0
    for row in got.iter_rows(named=True):
        w = want.get(row["point"])
        if w is None:
            if row["requests_ok"] + row["requests_failed"]:
                errors.append(f"summary.csv point {row['point']}: polars finds no request")
            continue
        for c in ["runs", "requests_ok", "requests_failed"]:
            if (w.get(c) or 0) != row[c]:
                errors.append(f"summary.csv point {row['point']}: {c} {row[c]}, polars {w.get(c)}")
        for c in ["exec_mean_s", "bytes_mean", "invocations_mean", "checkpoints_mean",
                  "missed_mean", "lost_work_mean_s", "ckpt_time_median_ms", "ckpt_size_median_bytes"]:
            if c in row and not close(row[c], w.get(c)):
                errors.append(f"summary.csv point {row['point']}: {c} {row[c]}, polars {w.get(c)}")
        n, sd, ci = w.get("n"), w.get("sd"), row.get("exec_ci95_s")
        if n and n - 1 in T975 and sd is not None:
            if not close(ci, T975[n - 1] * sd / n ** 0.5, rel=1e-6):
                errors.append(f"summary.csv point {row['point']}: exec_ci95_s {ci}, polars t·s/√n {T975[n - 1] * sd / n ** 0.5}")
        checked += 1
    print(f"  {folder.name}/summary.csv: {checked} points agree with polars group-bys")
    return errors


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    errors = []
    for f in argv[1:]:
        print(f"{f}: pandas {pd.__version__}, polars {pl.__version__}")
        errors += check_folder(Path(f))
        tables = [t for t in dict.fromkeys(pd.read_csv(Path(f) / "columns.csv", dtype=str)["file"])
                  if (Path(f) / t).exists()]
        errors += check_run_tables(Path(f), tables)
        errors += check_summary(Path(f))
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
