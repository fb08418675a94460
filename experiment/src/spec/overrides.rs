//! Changes the command line makes to a spec's text before it is validated: `--model`
//! ([`with_model`]) and `--speed-scale` ([`with_speed_scale`]). The edited text is the spec as
//! run: the result folder's `spec.toml` keeps it, so the folder says what ran.

use super::SpecErrors;
use super::diag::Diag;
use super::model_file;
use std::path::{Path, PathBuf};

/// The spec text with `experiment.model` set to `model`; the text unchanged when it cannot
/// be edited (its errors are reported by validation as usual). A `--model` that names no
/// readable file or no built-in model is reported against `--model`, not the spec.
pub fn with_model(text: String, model: &str) -> Result<String, SpecErrors> {
    let option = |message: String, fix: &str| {
        SpecErrors(vec![Diag {
            file: PathBuf::from("(command line)"),
            pos: None,
            field: "--model".into(),
            message,
            fix: fix.into(),
        }])
    };
    let value = if model.contains('/') || model.contains('.') {
        // A path given on the command line is relative to the working directory, not to the
        // spec: say so when it cannot be read (not the spec's `experiment.model`).
        let abs = std::path::absolute(model).unwrap_or_else(|_| PathBuf::from(model));
        if let Err(e) = std::fs::metadata(&abs) {
            let cwd = std::env::current_dir()
                .map(|d| d.display().to_string())
                .unwrap_or_else(|_| "?".into());
            return Err(option(
                format!(
                    "cannot read model file {model} (from the working directory {cwd}: {}): {e}",
                    abs.display()
                ),
                "check the path: --model is relative to the working directory (experiment.model in a spec is relative to the spec file); or name a built-in model (\"default\", \"paper\")",
            ));
        }
        abs.display().to_string()
    } else {
        if model_file::ModelSource::resolve(model, Path::new(".")).is_none() {
            return Err(option(
                format!("unknown built-in model {model:?}"),
                "use --model default or --model paper, or give a model file's path (e.g. --model results/calibration/model.toml)",
            ));
        }
        model.to_string()
    };
    let mut doc: toml_edit::DocumentMut = match text.parse() {
        Ok(d) => d,
        // Report the syntax error as usual.
        Err(_) => return Ok(text),
    };
    match doc
        .get_mut("experiment")
        .and_then(|e| e.as_table_like_mut())
    {
        Some(e) => {
            e.insert("model", toml_edit::value(value));
        }
        None => return Ok(text),
    }
    Ok(doc.to_string())
}

/// The spec text with every BBU's speed multiplied by `factor` (`mlsim run --speed-scale`):
/// `bbu.speed` (written as `factor` when the spec leaves it at its default of 1) and the
/// `speed` of each `[[bbu_override]]` that sets one (the others inherit `bbu.speed`). A first
/// line says so. E.g. to simulate, at the speed `h` that `mlsim emu run` measured, the host an
/// emulation ran on, and compare the two folders (`mlsim compare` accepts specs that differ in
/// BBU speeds only).
///
/// Refused, naming the option: a factor that is not a positive number, and a spec whose sweep
/// sets `bbu.speed` or `bbu_override` (its points would change names). A spec that is not
/// TOML, or whose speeds are not numbers, is returned as it is: validation reports it as usual.
pub fn with_speed_scale(path: &Path, text: String, factor: f64) -> Result<String, SpecErrors> {
    let option = |message: String, fix: &str| {
        SpecErrors(vec![Diag {
            file: PathBuf::from("(command line)"),
            pos: None,
            field: "--speed-scale".into(),
            message,
            fix: fix.into(),
        }])
    };
    if !(factor.is_finite() && factor > 0.0) {
        return Err(option(
            format!("{factor} is not a speed factor"),
            "give a positive number, e.g. --speed-scale 0.6 (the host speed `mlsim emu run` prints)",
        ));
    }
    let mut doc: toml_edit::DocumentMut = match text.parse() {
        Ok(d) => d,
        Err(_) => return Ok(text),
    };
    // The sweep, read from the parsed tree: `[[sweep]]` and `sweep = [{...}]` alike.
    let swept = toml::from_str::<toml::Table>(&text).ok().is_some_and(|t| {
        t.get("sweep").and_then(|s| s.as_array()).is_some_and(|a| {
            a.iter().any(|p| {
                p.get("bbu_override").is_some()
                    || p.get("bbu").and_then(|b| b.get("speed")).is_some()
            })
        })
    });
    if swept {
        return Err(option(
            format!(
                "the sweep of {} sets BBU speeds (`bbu.speed` or `bbu_override`), which --speed-scale would rename",
                path.display()
            ),
            "multiply the swept speeds in a copy of the spec instead, and run that without --speed-scale",
        ));
    }
    let scale = |item: &mut toml_edit::Item| {
        let v = item
            .as_float()
            .or_else(|| item.as_integer().map(|i| i as f64));
        if let Some(v) = v {
            *item = toml_edit::value(v * factor);
        }
    };
    match doc.get_mut("bbu") {
        None => {
            let mut t = toml_edit::Table::new();
            t.insert("speed", toml_edit::value(factor));
            doc.insert("bbu", toml_edit::Item::Table(t));
        }
        Some(b) => match b.as_table_like_mut() {
            Some(b) => match b.get_mut("speed") {
                Some(item) => scale(item),
                None => {
                    b.insert("speed", toml_edit::value(factor));
                }
            },
            // Not a table: left as it is, for validation to report.
            None => return Ok(text),
        },
    }
    // `[[bbu_override]]` tables or an inline array of inline tables.
    if let Some(o) = doc.get_mut("bbu_override") {
        if let Some(a) = o.as_array_of_tables_mut() {
            for t in a.iter_mut() {
                if let Some(item) = t.get_mut("speed") {
                    scale(item);
                }
            }
        } else if let Some(a) = o.as_array_mut() {
            for v in a.iter_mut() {
                if let Some(item) = v.as_inline_table_mut().and_then(|t| t.get_mut("speed")) {
                    if let Some(x) = item
                        .as_float()
                        .or_else(|| item.as_integer().map(|i| i as f64))
                    {
                        *item = toml_edit::Value::from(x * factor);
                    }
                }
            }
        }
    }
    Ok(format!(
        "# mlsim run --speed-scale {factor}: every BBU speed of {} multiplied by {factor}\n{doc}",
        path.display()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scaled(text: &str, f: f64) -> toml::Table {
        let t = with_speed_scale(Path::new("s.toml"), text.to_string(), f).expect("scaled");
        assert!(t.starts_with("# mlsim run --speed-scale "), "{t}");
        toml::from_str(&t).expect("TOML")
    }

    fn speed(t: &toml::Table, path: &[&str]) -> Option<f64> {
        let mut v = t.get(path[0])?;
        for k in &path[1..] {
            v = v.get(k)?;
        }
        v.as_float()
    }

    #[test]
    fn every_bbu_speed_is_multiplied() {
        // bbu.speed 0.4 × 0.625 = 0.25; the override that sets 0.8 gets 0.5; the one that sets
        // none inherits bbu.speed (0.25) and is left without one; an integer speed 2 gets 1.25.
        let t = scaled(
            "[bbu]\ncores = 2\nspeed = 0.4\n\n[[bbu_override]]\nids = [1]\nspeed = 0.8\n\n[[bbu_override]]\nids = [2]\ncores = 4\n\n[[bbu_override]]\nids = [3]\nspeed = 2\n",
            0.625,
        );
        assert_eq!(speed(&t, &["bbu", "speed"]), Some(0.25));
        let o = t["bbu_override"].as_array().expect("overrides");
        assert_eq!(o[0].get("speed").and_then(|v| v.as_float()), Some(0.5));
        assert_eq!(o[1].get("speed"), None);
        assert_eq!(o[2].get("speed").and_then(|v| v.as_float()), Some(1.25));
        assert_eq!(t["bbu"]["cores"].as_integer(), Some(2));
    }

    #[test]
    fn inline_overrides_are_scaled_too() {
        // bbu_override as an inline array of inline tables: 0.8 × 0.5 = 0.4; none set: none.
        let t = scaled(
            "bbu_override = [{ ids = [1], speed = 0.8 }, { ids = [2] }]\n",
            0.5,
        );
        let o = t["bbu_override"].as_array().expect("overrides");
        assert_eq!(o[0].get("speed").and_then(|v| v.as_float()), Some(0.4));
        assert_eq!(o[1].get("speed"), None);
    }

    #[test]
    fn a_default_speed_is_written_as_the_factor() {
        // No speed: the default 1 × 0.5; no [bbu] at all: the table is made.
        let t = scaled("[bbu]\ncores = 2\n", 0.5);
        assert_eq!(speed(&t, &["bbu", "speed"]), Some(0.5));
        let t = scaled("[experiment]\nname = \"x\"\n", 0.5);
        assert_eq!(speed(&t, &["bbu", "speed"]), Some(0.5));
    }

    #[test]
    fn bad_factors_and_swept_speeds_are_refused_naming_the_option() {
        for f in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            let e = with_speed_scale(Path::new("s.toml"), "[bbu]\n".into(), f).expect_err("bad");
            assert_eq!(e.0[0].field, "--speed-scale");
            assert!(e.0[0].fix.contains("positive number"), "{}", e.0[0].fix);
        }
        let swept = "[bbu]\nspeed = 1.0\n\n[[sweep]]\nbbu = { speed = [0.5, 1.0] }\n";
        let e = with_speed_scale(Path::new("s.toml"), swept.into(), 0.5).expect_err("swept");
        assert!(
            e.0[0].message.contains("s.toml") && e.0[0].message.contains("sweep"),
            "{}",
            e.0[0].message
        );
        // Swept in an inline array of tables: refused all the same.
        let inline = "sweep = [{ bbu = { speed = [0.5, 1.0] } }]\n";
        assert!(with_speed_scale(Path::new("s.toml"), inline.into(), 0.5).is_err());
        // A `bbu` that is not a table: as it is (validation reports it), not replaced.
        let odd = "bbu = 3\n".to_string();
        assert_eq!(
            with_speed_scale(Path::new("s.toml"), odd.clone(), 0.5).ok(),
            Some(odd)
        );
        // Not TOML: as it is (validation reports it).
        let bad = "[bbu\n".to_string();
        assert_eq!(
            with_speed_scale(Path::new("s.toml"), bad.clone(), 0.5).ok(),
            Some(bad)
        );
    }
}
