//! The merge of a folder's runs into its top-level CSVs, streamed: each run folder is checked
//! (every file's length and CRC-32 against its `check.txt`, read in one pass) and its files
//! are then copied, without their header lines after the first run's, into one buffered
//! temporary file per CSV, fsynced and renamed into place at the end. Run files of older
//! versions (`runs/NNNNNN.csv`, sections and an `[end]` line) are checked likewise and read
//! line by line. So the merge holds a few buffers, not the folder's rows (a run of 3.6 M
//! serverless calls is about 400 MB of CSV), and its files are byte-identical to
//! concatenating the runs' files.

use super::{RECORD_FILES, ResultDir, io, run_dir, study_files, write_atomic};
use crate::error::{Error, Result};
use std::fs;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Longest `[end]` line read from a run file's end \[bytes\].
const END_LINE_MAX: u64 = 256;

/// Checks run file `path` in one pass without holding it: its last line must be the `[end]`
/// line whose length and FNV-1a 64 match the body before it. Returns the body's length; the
/// error says why not (as [`super::verify_run_file`] does for bytes in memory).
pub fn verify_run_stream(path: &Path) -> std::result::Result<u64, String> {
    let mut f = fs::File::open(path).map_err(|e| format!("cannot open it: {e}"))?;
    let size = f
        .metadata()
        .map_err(|e| format!("cannot read its size: {e}"))?
        .len();
    let tail_len = size.min(END_LINE_MAX);
    f.seek(SeekFrom::Start(size - tail_len))
        .map_err(|e| format!("cannot seek: {e}"))?;
    let mut tail = Vec::with_capacity(tail_len as usize);
    Read::by_ref(&mut f)
        .take(tail_len)
        .read_to_end(&mut tail)
        .map_err(|e| format!("cannot read it: {e}"))?;
    let Some(without_nl) = tail.strip_suffix(b"\n") else {
        return Err("it does not end with an [end] line (cut short, or written by an mlsim before 2026-12 whose run files have no check)".into());
    };
    let line_start = without_nl
        .iter()
        .rposition(|b| *b == b'\n')
        .map_or(0, |i| i + 1);
    if line_start == 0 && size > tail_len {
        return Err("its last line is too long to be an [end] line".into());
    }
    let body_len = size - (tail.len() - line_start) as u64;
    let (length, hash) = super::end_line(&String::from_utf8_lossy(&tail[line_start..]))?;
    if length != body_len {
        return Err(format!("length {body_len} ≠ {length}"));
    }
    f.seek(SeekFrom::Start(0))
        .map_err(|e| format!("cannot seek: {e}"))?;
    let got = hash
        .of_reader(f.take(body_len))
        .map_err(|e| format!("cannot read it: {e}"))?;
    if got != hash {
        return Err(format!("checksum {got} ≠ {hash}"));
    }
    Ok(body_len)
}

/// One merged CSV being written: its temporary file, and whether it has its header.
struct Out {
    target: PathBuf,
    tmp: PathBuf,
    w: BufWriter<fs::File>,
}

impl Out {
    fn create(target: PathBuf) -> Result<Out> {
        let dir = target.parent().unwrap_or(Path::new("."));
        let tmp = dir.join(format!(
            ".{}.tmp{}",
            target.file_name().and_then(|s| s.to_str()).unwrap_or("out"),
            std::process::id()
        ));
        let f = fs::File::create(&tmp).map_err(io("create", &tmp))?;
        Ok(Out {
            target,
            tmp,
            w: BufWriter::with_capacity(1 << 16, f),
        })
    }

    fn finish(self) -> Result<()> {
        let Out { target, tmp, w } = self;
        let done = (|| {
            let f = w.into_inner().map_err(|e| Error::Io {
                what: "write",
                path: target.clone(),
                source: e.into_error(),
            })?;
            f.sync_all().map_err(io("fsync", &target))?;
            fs::rename(&tmp, &target).map_err(|source| Error::Io {
                what: "rename into place",
                path: target.clone(),
                source,
            })
        })();
        if done.is_err() {
            fs::remove_file(&tmp).ok();
        }
        done?;
        if let Some(d) = target.parent().and_then(|d| fs::File::open(d).ok()) {
            d.sync_all().ok();
        }
        Ok(())
    }
}

impl ResultDir {
    /// Concatenates every run's sections, in run order, into the top-level CSVs (each CSV's
    /// header once, from the first run that has the section). A run whose file is missing or
    /// fails its check is left out (it counts as not done). The study files (suspend,
    /// serverless) are written only when some run has them.
    pub fn merge(&self, runs: &[u32]) -> Result<()> {
        let names: Vec<&str> = std::iter::once("run")
            .chain(RECORD_FILES.iter().copied())
            .chain(study_files())
            .collect();
        let target = |name: &str| {
            let t = if name == "run" { "runs" } else { name };
            self.root.join(format!("{t}.csv"))
        };
        let mut outs: Vec<Option<Out>> = names.iter().map(|_| None).collect();
        // Per section: its header line and the run that gave it (every run must agree).
        let mut headers: Vec<Option<(Vec<u8>, u32)>> = names.iter().map(|_| None).collect();
        // Every run must have the first run's columns in each table.
        let same_columns = |headers: &mut Vec<Option<(Vec<u8>, u32)>>,
                            i: usize,
                            line: &[u8],
                            run: u32,
                            p: &Path|
         -> Result<()> {
            match &headers[i] {
                None => headers[i] = Some((line.to_vec(), run)),
                Some((h, first)) if h != line => {
                    return Err(Error::Folder(format!(
                        "{} has other {} columns than {} (written by another version of mlsim?): the runs cannot be merged into one table. Nothing was removed; run the spec into a new --out, or remove the older run folders to have them done again",
                        p.display(),
                        names[i],
                        self.run_file(*first).display()
                    )));
                }
                Some(_) => {}
            }
            Ok(())
        };
        let result = (|| -> Result<()> {
            let mut line = Vec::with_capacity(256);
            for &run in runs {
                let p = self.run_file(run);
                if p.is_dir() {
                    let Ok(files) = run_dir::verify_run_dir(&p) else {
                        continue;
                    };
                    for (file, len) in files {
                        let stem = file.strip_suffix(".csv").unwrap_or(&file);
                        let stem = if stem == "runs" { "run" } else { stem };
                        let Some(i) = names.iter().position(|x| *x == stem) else {
                            continue;
                        };
                        let fp = p.join(&file);
                        let f = fs::File::open(&fp).map_err(io("read", &fp))?;
                        let mut r = BufReader::with_capacity(1 << 16, f.take(len));
                        line.clear();
                        r.read_until(b'\n', &mut line).map_err(io("read", &fp))?;
                        same_columns(&mut headers, i, &line, run, &fp)?;
                        if outs[i].is_none() {
                            let mut o = Out::create(target(names[i]))?;
                            o.w.write_all(&line).map_err(io("write", &o.target))?;
                            outs[i] = Some(o);
                        }
                        let o = outs[i].as_mut().expect("just made");
                        std::io::copy(&mut r, &mut o.w).map_err(io("write", &o.target))?;
                    }
                    continue;
                }
                let Ok(body_len) = verify_run_stream(&p) else {
                    continue;
                };
                let f = fs::File::open(&p).map_err(io("read", &p))?;
                let mut r = BufReader::with_capacity(1 << 16, f.take(body_len));
                // The section being read, and whether its header line is still to come.
                let mut cur: Option<usize> = None;
                let mut header_next = false;
                loop {
                    // Rows of a section whose header is done are copied in bulk: up to the
                    // next section line ("\n[") or the last whole line in the buffer. Section
                    // lines and CSV headers go one line at a time (below).
                    if !header_next {
                        let buf = r.fill_buf().map_err(io("read", &p))?;
                        if buf.is_empty() {
                            break;
                        }
                        if buf[0] != b'[' {
                            let end = match memchr::memmem::find(buf, b"\n[") {
                                Some(j) => Some(j + 1),
                                None => memchr::memrchr(b'\n', buf).map(|j| j + 1),
                            };
                            if let Some(end) = end {
                                if let Some(o) = cur.and_then(|i| outs[i].as_mut()) {
                                    o.w.write_all(&buf[..end]).map_err(io("write", &o.target))?;
                                }
                                r.consume(end);
                                continue;
                            }
                        }
                    }
                    line.clear();
                    let n = r.read_until(b'\n', &mut line).map_err(io("read", &p))?;
                    if n == 0 {
                        break;
                    }
                    if line.first() == Some(&b'[') {
                        let name = String::from_utf8_lossy(&line);
                        let name = name.trim().trim_matches(['[', ']']);
                        cur = names.iter().position(|x| *x == name);
                        header_next = true;
                        continue;
                    }
                    let Some(i) = cur else { continue };
                    let is_header = std::mem::take(&mut header_next);
                    if is_header {
                        same_columns(&mut headers, i, &line, run, &p)?;
                    }
                    if outs[i].is_none() {
                        outs[i] = Some(Out::create(target(names[i]))?);
                    } else if is_header {
                        continue;
                    }
                    let o = outs[i].as_mut().expect("just made");
                    o.w.write_all(&line).map_err(io("write", &o.target))?;
                }
            }
            Ok(())
        })();
        if let Err(e) = result {
            for o in outs.into_iter().flatten() {
                fs::remove_file(&o.tmp).ok();
            }
            return Err(e);
        }
        for (name, o) in names.iter().zip(outs) {
            match o {
                Some(o) => o.finish()?,
                None if study_files().any(|s| s == *name) => {}
                None => write_atomic(&target(name), b"")?,
            }
        }
        Ok(())
    }
}
