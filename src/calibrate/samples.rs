//! Reading back the samples CSV that `mlsim emu checkpoints` and `mlsim calibrate` write
//! (`crate::emu_checkpoints::HEADER`), for `mlsim calibrate --from` and for resuming.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context, Result, anyhow, bail};
use mlsim_emu::ckpt::sample::{Environment, Sample};
use mlsim_emu::ckpt::{App, Method};

/// The samples of a CSV file and the environment of its first row.
pub fn read(path: &Path) -> Result<(Vec<Sample>, Environment)> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    parse(&text).with_context(|| format!("in {}", path.display()))
}

/// Parses samples CSV text: columns by header name; `items_done` may be missing (files of
/// older versions) or empty.
pub fn parse(text: &str) -> Result<(Vec<Sample>, Environment)> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let header = r.headers().context("no header line")?.clone();
    let col = |name: &str| header.iter().position(|h| h == name);
    let need = |name: &str| col(name).ok_or_else(|| anyhow!("missing column `{name}`"));
    let (app, method, sample) = (need("app")?, need("method")?, need("sample")?);
    let (exec, setup, ck) = (
        need("exec_before_s")?,
        need("setup_s")?,
        need("checkpoint_s")?,
    );
    let (size, raw, restore) = (need("size_bytes")?, need("raw_bytes")?, need("restore_s")?);
    let (host, kernel, criu, docker, items) = (
        col("host"),
        col("kernel"),
        col("criu_version"),
        col("docker_version"),
        col("items_done"),
    );
    let mut out = Vec::new();
    let mut env = Environment::default();
    for (i, rec) in r.records().enumerate() {
        let line = i + 2;
        let rec = rec.with_context(|| format!("line {line}"))?;
        let get = |c: usize| rec.get(c).unwrap_or("").trim();
        let num = |c: usize, name: &str| -> Result<f64> {
            let v: f64 = get(c)
                .parse()
                .map_err(|_| anyhow!("line {line}: `{name}` = {:?} is not a number", get(c)))?;
            if !v.is_finite() || v < 0.0 {
                bail!("line {line}: `{name}` = {v} is not a non-negative number");
            }
            Ok(v)
        };
        let int = |c: usize, name: &str| -> Result<u64> {
            get(c)
                .parse()
                .map_err(|_| anyhow!("line {line}: `{name}` = {:?} is not an integer", get(c)))
        };
        let secs = |c: usize, name: &str| num(c, name).map(Duration::from_secs_f64);
        let a = App::parse(get(app))
            .ok_or_else(|| anyhow!("line {line}: unknown app {:?}", get(app)))?;
        let m = Method::parse(get(method))
            .ok_or_else(|| anyhow!("line {line}: unknown method {:?}", get(method)))?;
        let items_done = match items.map(get) {
            None | Some("") => None,
            Some(_) => Some(int(items.unwrap_or_default(), "items_done")?),
        };
        if i == 0 {
            let opt = |c: Option<usize>| c.map(|c| get(c).to_string()).filter(|s| !s.is_empty());
            env = Environment {
                host: opt(host).unwrap_or_default(),
                kernel: opt(kernel).unwrap_or_default(),
                criu: opt(criu),
                docker: opt(docker),
                redis: None,
            };
        }
        out.push(Sample {
            app: a,
            method: m,
            sample: int(sample, "sample")? as usize,
            exec_before: secs(exec, "exec_before_s")?,
            setup: secs(setup, "setup_s")?,
            checkpoint: secs(ck, "checkpoint_s")?,
            size_bytes: int(size, "size_bytes")?,
            raw_bytes: int(raw, "raw_bytes")?,
            restore: secs(restore, "restore_s")?,
            items_done,
        });
    }
    Ok((out, env))
}

#[cfg(test)]
mod tests {
    use super::*;
    use mlsim_core::methods::named;

    #[test]
    fn round_trips_what_emu_checkpoints_writes() {
        let s = Sample {
            app: App::Taxi,
            method: named("criu"),
            sample: 4,
            exec_before: Duration::from_millis(1500),
            setup: Duration::from_millis(20),
            checkpoint: Duration::from_micros(151_250),
            size_bytes: 2_000_000,
            raw_bytes: 40_000_000,
            restore: Duration::from_millis(90),
            items_done: Some(5123),
        };
        let env = Environment {
            host: "h".into(),
            kernel: "6.18".into(),
            criu: Some("4.1.1".into()),
            docker: None,
            redis: None,
        };
        let bytes = crate::emu_checkpoints::csv_bytes(std::slice::from_ref(&s), &env).expect("csv");
        let (back, e) = parse(&String::from_utf8(bytes).expect("utf8")).expect("parses");
        assert_eq!(back, vec![s]);
        assert_eq!(e, env);
    }

    #[test]
    fn older_files_without_items_and_bad_values() {
        let old = "app,method,sample,exec_before_s,setup_s,checkpoint_s,size_bytes,raw_bytes,restore_s\ntaxi,mulambda,0,1,0.01,0.002,100,200,0.001\n";
        let (s, _) = parse(old).expect("parses");
        assert_eq!(s[0].items_done, None);
        let bad = old.replace("0.002", "fast");
        let e = format!("{:#}", parse(&bad).expect_err("bad"));
        assert!(e.contains("line 2") && e.contains("checkpoint_s"), "{e}");
        let e = format!("{:#}", parse("app,method\ntaxi,criu\n").expect_err("bad"));
        assert!(e.contains("missing column `sample`"), "{e}");
        let e = format!(
            "{:#}",
            parse(&old.replace("taxi", "chess")).expect_err("bad")
        );
        assert!(e.contains("unknown app"), "{e}");
    }
}
