//! Which OpenStreetMap ways a car may drive, and in which directions.
//!
//! Close to OSMnx's `network_type="drive"` filter, as an allow-list: `highway` is one of the
//! public car classes ([`CAR_HIGHWAYS`]: motorway … residential and their `_link`s,
//! `living_street`, `road`); `service` roads (parking aisles, driveways) are left out like OSMnx
//! does; `access`, `motor_vehicle` or `motorcar` = `no`/`private` and `area=yes` exclude a way.
//!
//! Direction follows the OSM wiki's `oneway` semantics: `yes`/`true`/`1` is one way along the
//! node order, `-1`/`reverse` against it, `no`/`false`/`0` both ways; without a `oneway` tag,
//! roundabouts (`junction=roundabout`/`circular`) and motorways are one way (implied by OSM),
//! everything else two-way. `reversible`/`alternating` (time-dependent) count as two-way.

/// `highway` values of car roads (OSMnx "drive" minus its excluded classes).
pub const CAR_HIGHWAYS: &[&str] = &[
    "motorway",
    "motorway_link",
    "trunk",
    "trunk_link",
    "primary",
    "primary_link",
    "secondary",
    "secondary_link",
    "tertiary",
    "tertiary_link",
    "unclassified",
    "residential",
    "living_street",
    "road",
];

/// The directions in which a way may be driven, relative to its node order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// Along and against the node order.
    Both,
    /// Along the node order only.
    Forward,
    /// Against the node order only.
    Backward,
}

/// The drivable directions of a way with these tags, or `None` if cars may not use it.
pub fn drivable<'a>(tags: impl IntoIterator<Item = (&'a str, &'a str)>) -> Option<Direction> {
    let (mut highway, mut oneway, mut junction) = (None, None, None);
    for (k, v) in tags {
        match k {
            "highway" => highway = Some(v),
            "oneway" => oneway = Some(v),
            "junction" => junction = Some(v),
            "access" | "motor_vehicle" | "motorcar" if matches!(v, "no" | "private") => {
                return None;
            }
            "area" if v == "yes" => return None,
            _ => {}
        }
    }
    let highway = highway.filter(|h| CAR_HIGHWAYS.contains(h))?;
    Some(match oneway {
        Some("yes" | "true" | "1") => Direction::Forward,
        Some("-1" | "reverse") => Direction::Backward,
        Some(_) => Direction::Both,
        None if matches!(junction, Some("roundabout" | "circular")) || highway == "motorway" => {
            Direction::Forward
        }
        None => Direction::Both,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn car_classes_and_oneway() {
        assert_eq!(
            drivable([("highway", "residential")]),
            Some(Direction::Both)
        );
        assert_eq!(
            drivable([("highway", "primary"), ("oneway", "yes")]),
            Some(Direction::Forward)
        );
        assert_eq!(
            drivable([("oneway", "-1"), ("highway", "secondary")]),
            Some(Direction::Backward)
        );
        assert_eq!(
            drivable([("highway", "tertiary"), ("junction", "roundabout")]),
            Some(Direction::Forward)
        );
        assert_eq!(
            drivable([("highway", "motorway")]),
            Some(Direction::Forward)
        );
        assert_eq!(
            drivable([("highway", "motorway"), ("oneway", "no")]),
            Some(Direction::Both)
        );
        assert_eq!(drivable([("highway", "footway")]), None);
        assert_eq!(drivable([("highway", "service")]), None);
        assert_eq!(
            drivable([("highway", "residential"), ("access", "private")]),
            None
        );
        assert_eq!(drivable([("highway", "pedestrian"), ("area", "yes")]), None);
        assert_eq!(drivable([("name", "Mannerheimintie")]), None);
    }
}
