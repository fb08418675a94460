//! Checking a [`TopologySpec`] before anything is built. Messages name the field as written in
//! a topology file (`hosts[1]`, `switches[0]`, `links[3].b`) and say how to fix it.

use std::time::Duration;

use super::{End, MAX_ATTACHMENTS, MAX_HOSTS, MAX_LINKS, MAX_SWITCHES, TopoError, TopologySpec};

/// `Ok` if `spec` can be built; else [`TopoError::Invalid`] with what to fix.
pub(super) fn validate(spec: &TopologySpec) -> Result<(), TopoError> {
    check(spec).map_err(TopoError::Invalid)
}

fn name_ok(n: &str) -> bool {
    !n.is_empty()
        && n.len() <= 24
        && n.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

fn check(spec: &TopologySpec) -> Result<(), String> {
    if spec.hosts.is_empty() {
        return Err("no hosts: list them in hosts = [...]".into());
    }
    if spec.hosts.len() > MAX_HOSTS
        || spec.links.len() > MAX_LINKS
        || spec.switches.len() > MAX_SWITCHES
    {
        return Err(format!(
            "at most {MAX_HOSTS} hosts, {MAX_SWITCHES} switches and {MAX_LINKS} links are supported"
        ));
    }
    let rule = "use 1 to 24 ASCII letters, digits, '_' or '-'";
    for (i, h) in spec.hosts.iter().enumerate() {
        if !name_ok(&h.name) {
            return Err(format!("hosts[{i}] = {:?}: {rule}", h.name));
        }
        if spec.hosts[..i].iter().any(|o| o.name == h.name) {
            return Err(format!("hosts[{i}] = {:?} is listed twice", h.name));
        }
    }
    for (k, s) in spec.switches.iter().enumerate() {
        if !name_ok(&s.name) {
            return Err(format!("switches[{k}] = {:?}: {rule}", s.name));
        }
        if spec.switches[..k].iter().any(|o| o.name == s.name) {
            return Err(format!("switches[{k}] = {:?} is listed twice", s.name));
        }
        if spec.hosts.iter().any(|h| h.name == s.name) {
            return Err(format!(
                "switches[{k}] = {:?}: a host has that name too; give the switch its own name",
                s.name
            ));
        }
    }
    let known = || {
        let hs: Vec<&str> = spec.hosts.iter().map(|h| h.name.as_str()).collect();
        let ss: Vec<&str> = spec.switches.iter().map(|s| s.name.as_str()).collect();
        format!("hosts: {}; switches: {}", hs.join(", "), ss.join(", "))
    };
    // (switch, host) -> the link attaching them
    let mut attached: Vec<Vec<(usize, usize)>> = vec![Vec::new(); spec.switches.len()];
    for (j, l) in spec.links.iter().enumerate() {
        let mut ends = [End::Host(0); 2];
        for (e, (field, name)) in [("a", &l.a), ("b", &l.b)].into_iter().enumerate() {
            ends[e] = spec.end(name).ok_or_else(|| {
                format!(
                    "links[{j}].{field} = {name:?}: no host or switch has that name ({}); \
                     declare it in hosts = [...] or switches = [...]",
                    known()
                )
            })?;
        }
        if l.a == l.b {
            return Err(format!("links[{j}]: both ends are {:?}", l.a));
        }
        match ends {
            [End::Switch(_), End::Switch(_)] => {
                return Err(format!(
                    "links[{j}]: both ends are switches ({:?}, {:?}); switch-to-switch links are \
                     not supported: put the hosts on one switch, or join the switches through a host",
                    l.a, l.b
                ));
            }
            [End::Switch(k), End::Host(h)] | [End::Host(h), End::Switch(k)] => {
                if let Some(&(_, prev)) = attached[k].iter().find(|(hh, _)| *hh == h) {
                    return Err(format!(
                        "links[{j}]: host {:?} is already attached to switch {:?} by links[{prev}]; \
                         a host has at most one attachment per switch",
                        spec.hosts[h].name, spec.switches[k].name
                    ));
                }
                attached[k].push((h, j));
                if attached[k].len() > MAX_ATTACHMENTS {
                    return Err(format!(
                        "links[{j}]: switch {:?} has more than {MAX_ATTACHMENTS} attachments",
                        spec.switches[k].name
                    ));
                }
            }
            [End::Host(_), End::Host(_)] => {}
        }
        if !(0.0..1.0).contains(&l.loss) {
            return Err(format!(
                "links[{j}].loss = {}: a probability in [0, 1) (not a percentage)",
                l.loss
            ));
        }
        if l.rate_bps == Some(0) {
            return Err(format!(
                "links[{j}]: rate 0 bit/s; omit the rate for an unshaped link"
            ));
        }
        if l.delay > Duration::from_secs(10) {
            return Err(format!("links[{j}]: delay {:?} is above 10 s", l.delay));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::super::LinkSpec;
    use super::*;

    fn link(a: &str, b: &str) -> LinkSpec {
        LinkSpec {
            a: a.into(),
            b: b.into(),
            rate_bps: None,
            delay: Duration::ZERO,
            loss: 0.0,
        }
    }

    fn spec(hosts: &[&str], switches: &[&str], links: &[(&str, &str)]) -> TopologySpec {
        TopologySpec::named(
            hosts,
            switches,
            links.iter().map(|&(a, b)| link(a, b)).collect(),
        )
    }

    fn err(s: &TopologySpec) -> String {
        check(s).expect_err("invalid")
    }

    #[test]
    fn invalid_specs_are_rejected_with_the_reason() {
        let ok = spec(&["a", "b"], &[], &[("a", "b")]);
        assert!(validate(&ok).is_ok());
        let mut s = ok.clone();
        s.links[0].b = "c".into();
        let e = err(&s);
        assert!(e.contains("links[0].b = \"c\": no host or switch"), "{e}");
        let mut s = ok.clone();
        s.links[0].loss = 1.0;
        assert!(err(&s).contains("links[0].loss"));
        let mut s = ok.clone();
        s.hosts[1].name = "a".into();
        assert!(err(&s).contains("hosts[1] = \"a\" is listed twice"));
        let mut s = ok;
        s.hosts[0].name = "a b".into();
        assert!(err(&s).contains("hosts[0]"));
    }

    #[test]
    fn switch_mistakes_are_named() {
        let ok = spec(&["a", "b"], &["s"], &[("a", "s"), ("s", "b"), ("a", "b")]);
        assert!(validate(&ok).is_ok());
        let e = err(&spec(&["a"], &["s", "t"], &[("a", "s"), ("s", "t")]));
        assert!(e.contains("links[1]: both ends are switches"), "{e}");
        let e = err(&spec(&["a"], &["s"], &[("a", "s"), ("s", "a")]));
        assert!(
            e.contains("already attached to switch \"s\" by links[0]"),
            "{e}"
        );
        let e = err(&spec(&["a"], &["a"], &[]));
        assert!(
            e.contains("switches[0] = \"a\": a host has that name"),
            "{e}"
        );
        let e = err(&spec(&["a"], &["s", "s"], &[]));
        assert!(e.contains("switches[1] = \"s\" is listed twice"), "{e}");
        let e = err(&spec(&["a"], &["s.1"], &[]));
        assert!(e.contains("switches[0]"), "{e}");
        let e = err(&spec(&["a"], &["pool"], &[("a", "pol")]));
        assert!(
            e.contains("links[0].b = \"pol\"") && e.contains("switches: pool"),
            "{e}"
        );
        // One host on two switches is fine (two attachments, one per switch).
        assert!(check(&spec(&["a"], &["s", "t"], &[("a", "s"), ("t", "a")])).is_ok());
    }
}
