//! Hand-made records and a small reader of the SVG that plotters writes (one element a line).

use mlsim_core::record::{CheckpointRecord, Mode, RequestRecord};

/// A successful request.
pub fn req(app: &str, method: &str, r: Option<f64>, items: u32, exec_s: f64) -> RequestRecord {
    RequestRecord {
        run: 0,
        mode: Mode::Sim,
        request: 0,
        app: app.into(),
        method: method.into(),
        r_limit_s: r,
        items,
        submit_ns: 0,
        done_ns: 0,
        exec_time_s: exec_s,
        invocations: 1,
        checkpoints: 0,
        missed_checkpoints: 0,
        lost_work_s: 0.0,
        cold_starts: 0,
        migrations: 0,
        evictions: 0,
        bytes: (exec_s * 1e6) as u64,
        status: "ok".into(),
    }
}

/// A checkpoint of `time_ms` \[ms\] and `size` \[bytes\].
pub fn ckpt(app: &str, method: &str, time_ms: f64, size: u64) -> CheckpointRecord {
    CheckpointRecord {
        run: 0,
        mode: Mode::Sim,
        app: app.into(),
        method: method.into(),
        request: 0,
        task: 0,
        invocation: 0,
        bbu: 0,
        start_ns: 0,
        safepoint_wait_ns: 0,
        time_ns: (time_ms * 1e6).round() as u64,
        items_done: 0,
        raw_bytes: size,
        size_bytes: size,
        deadline_met: true,
    }
}

/// One SVG element: its tag, attributes and (for `<text>`) content.
#[derive(Debug, Clone)]
pub struct Element {
    pub tag: String,
    pub attrs: Vec<(String, String)>,
    pub text: Option<String>,
}

impl Element {
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn num(&self, name: &str) -> f64 {
        self.attr(name)
            .and_then(|v| v.parse().ok())
            .unwrap_or_else(|| panic!("{name} of {self:?}"))
    }

    /// The points of a `<polyline>` or `<polygon>`.
    pub fn points(&self) -> Vec<(i32, i32)> {
        self.attr("points")
            .unwrap_or("")
            .split_whitespace()
            .map(|p| {
                let (x, y) = p.split_once(',').unwrap();
                (x.parse().unwrap(), y.parse().unwrap())
            })
            .collect()
    }
}

/// The elements of `svg`, in document order.
pub fn elements(svg: &str) -> Vec<Element> {
    let mut out: Vec<Element> = Vec::new();
    let mut lines = svg.lines();
    while let Some(line) = lines.next() {
        let Some(rest) = line.strip_prefix('<') else {
            continue;
        };
        if rest.starts_with('/') {
            continue;
        }
        let tag: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect();
        let mut attrs = Vec::new();
        let mut s = &rest[tag.len()..];
        while let Some(eq) = s.find("=\"") {
            let key = s[..eq].trim().to_string();
            let after = &s[eq + 2..];
            let end = after.find('"').unwrap();
            attrs.push((key, after[..end].to_string()));
            s = &after[end + 1..];
        }
        let text = (tag == "text").then(|| lines.next().unwrap_or("").to_string());
        out.push(Element { tag, attrs, text });
    }
    out
}

/// The `<text>` elements whose content is exactly `content`.
pub fn texts<'a>(els: &'a [Element], content: &str) -> Vec<&'a Element> {
    els.iter()
        .filter(|e| e.text.as_deref() == Some(content))
        .collect()
}

/// The polylines stroked in `stroke` with width `width`.
pub fn polylines<'a>(els: &'a [Element], stroke: &str, width: &str) -> Vec<&'a Element> {
    els.iter()
        .filter(|e| {
            e.tag == "polyline"
                && e.attr("stroke") == Some(stroke)
                && e.attr("stroke-width") == Some(width)
        })
        .collect()
}
