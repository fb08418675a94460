//! OSMnx GraphML import (`ox.save_graphml`): real city street networks.
//!
//! Reads `<key>` declarations to find the node attributes `x`, `y` and the edge attribute
//! `length` [m] by name, whatever their key ids. Geographic coordinates (WGS 84 lon/lat, OSMnx's
//! default) are projected to UTM (zone of the mean longitude); projected graphs are taken as
//! metres. `edgedefault="undirected"` graphs get both directions. An edge without `length` gets
//! its straight-line length. Parallel edges (OSMnx MultiDiGraph) are kept.

use std::collections::HashMap;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::{BytesStart, Event};

use super::geo::{Point, utm_forward, utm_zone};
use super::{StreetGraph, TaxiError};

#[derive(Default)]
struct Element {
    id: Option<String>,
    source: Option<String>,
    target: Option<String>,
    data: HashMap<String, String>,
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
pub fn read_graphml(path: &Path) -> Result<StreetGraph, TaxiError> {
    let text = std::fs::read_to_string(path).map_err(|source| TaxiError::Io {
        path: path.to_owned(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    parse_graphml(&text, &name).map_err(|reason| TaxiError::GraphMl {
        path: path.to_owned(),
        reason,
    })
}

/// Parse GraphML text; `source` names it in the graph.
pub fn parse_graphml(text: &str, source: &str) -> Result<StreetGraph, String> {
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
        let ev = reader
            .read_event()
            .map_err(|e| format!("XML error at byte {}: {e}", reader.error_position()))?;
        match ev {
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"graphml" => {
                saw_graphml = true
            }
            Event::Start(e) | Event::Empty(e) if e.name().as_ref() == b"key" => {
                let id = attr(&e, b"id")?.ok_or("<key> without id")?;
                let domain = attr(&e, b"for")?.unwrap_or_default();
                let name = attr(&e, b"attr.name")?.unwrap_or_else(|| id.clone());
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
                directed = attr(&e, b"edgedefault")?.as_deref() != Some("undirected");
            }
            Event::Start(e) if e.name().as_ref() == b"node" || e.name().as_ref() == b"edge" => {
                let is_node = e.name().as_ref() == b"node";
                let el = Element {
                    id: attr(&e, b"id")?,
                    source: attr(&e, b"source")?,
                    target: attr(&e, b"target")?,
                    data: HashMap::new(),
                };
                current = Some((is_node, el));
            }
            Event::Empty(e) if e.name().as_ref() == b"node" || e.name().as_ref() == b"edge" => {
                let el = Element {
                    id: attr(&e, b"id")?,
                    source: attr(&e, b"source")?,
                    target: attr(&e, b"target")?,
                    data: HashMap::new(),
                };
                if e.name().as_ref() == b"node" {
                    nodes.push(el)
                } else {
                    edges.push(el)
                }
            }
            Event::Start(e) if e.name().as_ref() == b"data" => {
                data_key = attr(&e, b"key")?;
                data_text.clear();
            }
            Event::Text(t) if data_key.is_some() => {
                data_text.push_str(&t.decode().map_err(|e| e.to_string())?);
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
        return Err("no <graphml> element: not a GraphML file".into());
    }
    if nodes.is_empty() {
        return Err("no <node> elements".into());
    }
    let num = |el: &Element, k: &str, what: &str| -> Result<f64, String> {
        let v = el
            .data
            .get(k)
            .ok_or_else(|| format!("{what} has no `{k}` attribute"))?;
        v.parse::<f64>()
            .map_err(|_| format!("{what}: `{k}` = {v:?} is not a number"))
    };
    let mut index: HashMap<&str, u32> = HashMap::with_capacity(nodes.len());
    let mut raw = Vec::with_capacity(nodes.len());
    for (i, n) in nodes.iter().enumerate() {
        let id =
            n.id.as_deref()
                .ok_or_else(|| format!("node #{i} has no id"))?;
        let what = format!("node {id}");
        raw.push((num(n, "x", &what)?, num(n, "y", &what)?));
        if index.insert(id, i as u32).is_some() {
            return Err(format!("duplicate node id {id}"));
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
            .ok_or_else(|| format!("edge #{i} has no source"))?;
        let t = e
            .target
            .as_deref()
            .ok_or_else(|| format!("edge #{i} has no target"))?;
        let u = *index
            .get(s)
            .ok_or_else(|| format!("edge #{i} source {s} is not a node"))?;
        let v = *index
            .get(t)
            .ok_or_else(|| format!("edge #{i} target {t} is not a node"))?;
        let len = match e.data.get("length") {
            Some(_) => num(e, "length", &format!("edge #{i} ({s} -> {t})"))?,
            None => points[u as usize].dist(points[v as usize]),
        };
        if !(len.is_finite() && len >= 0.0) {
            return Err(format!("edge #{i} ({s} -> {t}) has length {len}"));
        }
        out.push((u, v, len));
        if !directed {
            out.push((v, u, len));
        }
    }
    StreetGraph::new(points, &out, source).map_err(|e| e.to_string())
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

    #[test]
    fn tiny_graph_with_and_without_length() {
        let g = parse_graphml(TINY, "tiny").unwrap();
        assert_eq!((g.node_count(), g.edge_count()), (2, 2));
        let e = g.edges();
        assert_eq!(e[0], (0, 1, 850.5));
        // 0.01° of longitude at 40.75° N is about 843 m.
        assert!((e[1].2 - 843.0).abs() < 5.0, "{e:?}");
    }

    #[test]
    fn malformed_inputs_say_what_is_wrong() {
        assert!(
            parse_graphml("<html></html>", "x")
                .unwrap_err()
                .contains("not a GraphML")
        );
        let bad = TINY.replace("850.5", "far");
        assert!(
            parse_graphml(&bad, "x")
                .unwrap_err()
                .contains("not a number")
        );
        let dangling = TINY.replace(r#"target="n2">"#, r#"target="n9">"#);
        assert!(parse_graphml(&dangling, "x").unwrap_err().contains("n9"));
        assert!(parse_graphml("<graphml><node", "x").is_err());
    }
}
