//! OSMnx GraphML import (`ox.save_graphml`): real city street networks.
//!
//! Reads `<key>` declarations to find the node attributes `x`, `y` and the edge attribute
//! `length` \[m\] by name, whatever their key ids. Geographic coordinates (WGS 84 lon/lat, OSMnx's
//! default) are projected to UTM (zone of the mean longitude); projected graphs are taken as
//! metres. `edgedefault="undirected"` graphs get both directions. An edge without `length` gets
//! its straight-line length. Parallel edges (OSMnx MultiDiGraph) are kept.

use std::collections::HashMap;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use crate::error::line_of;
use crate::geo::{Point, utm_forward, utm_zone};
use crate::limits::read_capped;
use crate::{ReadError, StreetNetwork};

const FORMAT: &str = "OSMnx GraphML";

/// Largest GraphML file read \[bytes\] (the whole text is held in memory). OSMnx's drive graph of
/// all of New York City is about 150 MB.
pub const MAX_GRAPHML_BYTES: u64 = 1 << 30;

/// A problem, at a byte offset of the text when one is known.
struct Located {
    at: Option<usize>,
    message: String,
}

impl From<String> for Located {
    fn from(message: String) -> Self {
        Self { at: None, message }
    }
}

impl From<&str> for Located {
    fn from(message: &str) -> Self {
        message.to_owned().into()
    }
}

fn at(at: usize, message: impl Into<String>) -> Located {
    Located {
        at: Some(at),
        message: message.into(),
    }
}

#[derive(Default)]
struct Element {
    /// Byte offset of the element's start tag.
    at: usize,
    id: Option<String>,
    source: Option<String>,
    target: Option<String>,
    data: HashMap<String, String>,
}

fn element(e: &BytesStart<'_>, pos: usize) -> Result<Element, String> {
    Ok(Element {
        at: pos,
        id: attr(e, b"id")?,
        source: attr(e, b"source")?,
        target: attr(e, b"target")?,
        data: HashMap::new(),
    })
}

fn attr(e: &BytesStart<'_>, name: &[u8]) -> Result<Option<String>, String> {
    for a in e.attributes() {
        let a = a.map_err(|err| err.to_string())?;
        if a.key.as_ref() == name {
            return Ok(Some(
                a.unescape_value()
                    .map_err(|err| err.to_string())?
                    .into_owned(),
            ));
        }
    }
    Ok(None)
}

/// Read an OSMnx GraphML file.
pub fn read_graphml(path: &Path) -> Result<StreetNetwork, ReadError> {
    let bytes = read_capped(
        path,
        FORMAT,
        MAX_GRAPHML_BYTES,
        "for a large area use its OpenStreetMap .osm.pbf extract instead",
    )?;
    let text = std::str::from_utf8(&bytes).map_err(|e| {
        ReadError::line(
            path,
            FORMAT,
            line_of(&bytes, e.valid_up_to()),
            "not UTF-8 text: is this a GraphML file?",
        )
    })?;
    parse_graphml(text, path)
}

/// Parse GraphML text; `path` names it in errors and (its file name) in the network.
pub fn parse_graphml(text: &str, path: &Path) -> Result<StreetNetwork, ReadError> {
    let source = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse(text, source).map_err(|l| match l.at {
        Some(at) => ReadError::line(path, FORMAT, line_of(text.as_bytes(), at), l.message),
        None => ReadError::file(path, FORMAT, l.message),
    })
}

fn parse(text: &str, source: String) -> Result<StreetNetwork, Located> {
    let mut reader = Reader::from_str(text);
    // key id -> attribute name, per domain.
    let mut node_keys: HashMap<String, String> = HashMap::new();
    let mut edge_keys: HashMap<String, String> = HashMap::new();
    let mut directed = true;
    let mut nodes: Vec<Element> = Vec::new();
    let mut edges: Vec<Element> = Vec::new();
    let mut current: Option<(bool, Element)> = None; // (is_node, element)
    let mut data_key: Option<String> = None;
    let mut data_text = String::new();
    let mut saw_graphml = false;
    loop {
        let pos = reader.buffer_position() as usize;
        let ev = reader.read_event().map_err(|e| {
            let p = reader.error_position() as usize;
            at(
                p,
                format!("XML error at byte {p}: {e} (is the file complete?)"),
            )
        })?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"graphml" => {
                saw_graphml = true
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"key" => {
                let id = attr(&e, b"id")
                    .map_err(|m| at(pos, m))?
                    .ok_or_else(|| at(pos, "<key> without id"))?;
                let domain = attr(&e, b"for")
                    .map_err(|m| at(pos, m))?
                    .unwrap_or_default();
                let name = attr(&e, b"attr.name")
                    .map_err(|m| at(pos, m))?
                    .unwrap_or_else(|| id.clone());
                match domain.as_str() {
                    "node" => {
                        node_keys.insert(id, name);
                    }
                    "edge" => {
                        edge_keys.insert(id, name);
                    }
                    _ => {}
                }
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"graph" => {
                directed = attr(&e, b"edgedefault").map_err(|m| at(pos, m))?.as_deref()
                    != Some("undirected");
            }
            Event::Start(e) if e.name().as_ref() == b"node" || e.name().as_ref() == b"edge" => {
                let is_node = e.name().as_ref() == b"node";
                let el = element(&e, pos).map_err(|m| at(pos, m))?;
                current = Some((is_node, el));
            }
            Event::Empty(e) if e.name().as_ref() == b"node" || e.name().as_ref() == b"edge" => {
                let el = element(&e, pos).map_err(|m| at(pos, m))?;
                if e.name().as_ref() == b"node" {
                    nodes.push(el)
                } else {
                    edges.push(el)
                }
            }
            Event::Start(e) if e.name().as_ref() == b"data" => {
                data_key = attr(&e, b"key").map_err(|m| at(pos, m))?;
                data_text.clear();
            }
            Event::Text(t) if data_key.is_some() => {
                data_text.push_str(&t.decode().map_err(|e| at(pos, e.to_string()))?);
            }
            Event::End(e) if e.name().as_ref() == b"data" => {
                if let (Some(key), Some((is_node, el))) = (data_key.take(), current.as_mut()) {
                    let keys = if *is_node { &node_keys } else { &edge_keys };
                    if let Some(name) = keys.get(&key) {
                        el.data.insert(name.clone(), data_text.trim().to_owned());
                    }
                }
            }
            Event::End(e) if e.name().as_ref() == b"node" || e.name().as_ref() == b"edge" => {
                if let Some((is_node, el)) = current.take() {
                    if is_node {
                        nodes.push(el)
                    } else {
                        edges.push(el)
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_graphml {
        return Err(
            "no <graphml> element: not a GraphML file (save graphs with OSMnx's save_graphml)"
                .into(),
        );
    }
    if nodes.is_empty() {
        return Err("no <node> elements: the graph is empty".into());
    }
    let num = |el: &Element, k: &str, what: &str| -> Result<f64, Located> {
        let v = el.data.get(k).ok_or_else(|| {
            at(
                el.at,
                format!(
                    "{what} has no `{k}` attribute (declare it with a <key attr.name=\"{k}\">)"
                ),
            )
        })?;
        v.parse::<f64>()
            .map_err(|_| at(el.at, format!("{what}: `{k}` = {v:?} is not a number")))
    };
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(nodes.len());
    let mut raw = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let id =
            n.id.as_deref()
                .ok_or_else(|| at(n.at, format!("node #{i} has no id")))?;
        let what = format!("node {id}");
        raw.push((num(n, "x", &what)?, num(n, "y", &what)?));
        if index.insert(id, i as u32).is_some() {
            return Err(at(n.at, format!("duplicate node id {id}")));
        }
    }
    let geographic = raw
        .iter()
        .all(|&(x, y)| x.abs() <= 180.0 && y.abs() <= 90.0);
    let points: Vec<Point> = if geographic {
        let mean_lon = raw.iter().map(|p| p.0).sum::<f64>() / raw.len() as f64;
        let zone = utm_zone(mean_lon);
        raw.iter()
            .map(|&(lon, lat)| utm_forward(lon, lat, zone))
            .collect()
    } else {
        raw.iter().map(|&(x, y)| Point { x, y }).collect()
    };
    let mut out = Vec::with_capacity(edges.len() * if directed { 1 } else { 2 });
    for (i, e) in edges.iter().enumerate() {
        let s = e
            .source
            .as_deref()
            .ok_or_else(|| at(e.at, format!("edge #{i} has no source")))?;
        let t = e
            .target
            .as_deref()
            .ok_or_else(|| at(e.at, format!("edge #{i} has no target")))?;
        let u = *index
            .get(s)
            .ok_or_else(|| at(e.at, format!("edge #{i} source {s} is not a node")))?;
        let v = *index
            .get(t)
            .ok_or_else(|| at(e.at, format!("edge #{i} target {t} is not a node")))?;
        let len = match e.data.get("length") {
            Some(_) => num(e, "length", &format!("edge #{i} ({s} -> {t})"))?,
            None => points[u as usize].dist(points[v as usize]),
        };
        if !(len.is_finite() && len >= 0.0) {
            return Err(at(
                e.at,
                format!(
                    "edge #{i} ({s} -> {t}) has length {len}; lengths are metres, finite and >= 0"
                ),
            ));
        }
        out.push((u, v, len));
        if !directed {
            out.push((v, u, len));
        }
    }
    Ok(StreetNetwork {
        points,
        edges: out,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TINY: &str = r#"<?xml version="1.0"?>
<graphml xmlns="http://graphml.graphdrawing.org/xmlns">
<key id="a" for="node" attr.name="x" attr.type="double"/>
<key id="b" for="node" attr.name="y" attr.type="double"/>
<key id="c" for="edge" attr.name="length" attr.type="double"/>
<graph edgedefault="directed">
<node id="n1"><data key="a">-73.98</data><data key="b">40.75</data></node>
<node id="n2"><data key="a">-73.97</data><data key="b">40.75</data></node>
<edge source="n1" target="n2"><data key="c">850.5</data></edge>
<edge source="n2" target="n1"/>
</graph></graphml>"#;

    fn parse(text: &str) -> Result<StreetNetwork, String> {
        parse_graphml(text, Path::new("t.graphml")).map_err(|e| e.to_string())
    }

    #[test]
    fn tiny_graph_with_and_without_length() {
        let g = parse(TINY).unwrap();
        assert_eq!((g.points.len(), g.edges.len()), (2, 2));
        assert_eq!(g.edges[0], (0, 1, 850.5));
        // 0.01° of longitude at 40.75° N is about 843 m.
        assert!((g.edges[1].2 - 843.0).abs() < 5.0, "{:?}", g.edges);
        assert_eq!(g.source, "t.graphml");
    }

    #[test]
    fn malformed_inputs_say_file_line_and_what_is_wrong() {
        let e = parse("<html></html>").unwrap_err();
        assert!(
            e.contains("t.graphml") && e.contains("not a GraphML"),
            "{e}"
        );
        // The edge with the bad length is on line 9 of TINY.
        let e = parse(&TINY.replace("850.5", "far")).unwrap_err();
        assert!(
            e.contains("t.graphml:9:") && e.contains("not a number"),
            "{e}"
        );
        let e = parse(&TINY.replace(r#"target="n2">"#, r#"target="n9">"#)).unwrap_err();
        assert!(e.contains("t.graphml:9:") && e.contains("n9"), "{e}");
        let e = parse(&TINY.replace(
            r#"<data key="b">40.75</data></node>
<node id="n2">"#,
            r#"<data key="b">40.75</data></node>
<node id="n1">"#,
        ))
        .unwrap_err();
        assert!(
            e.contains("t.graphml:8:") && e.contains("duplicate node id n1"),
            "{e}"
        );
        assert!(parse("<graphml><node").is_err());
    }

    #[test]
    fn a_binary_file_is_refused_quickly() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("zeros.graphml");
        std::fs::write(&f, [0xffu8; 64]).unwrap();
        let e = read_graphml(&f).unwrap_err().to_string();
        assert!(
            e.contains("zeros.graphml:1:") && e.contains("not UTF-8"),
            "{e}"
        );
    }
}
