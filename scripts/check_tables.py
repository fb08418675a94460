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
- policies.csv has one row per (method, r_limit_s, placement).
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


def main(argv):
    if len(argv) < 2:
        print(__doc__)
        return 2
    errors = []
    for f in argv[1:]:
        print(f"{f}: pandas {pd.__version__}, polars {pl.__version__}")
        errors += check_folder(Path(f))
    for e in errors:
        print("ERROR:", e)
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
