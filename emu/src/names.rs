//! Names of the kernel objects the emulator creates.
//!
//! Every object carries the run id (6 hex characters, see [`crate::ledger::Ledger::run_id`]) so
//! that two runs never collide and `mlsim emu clean` can sweep leftovers by prefix even when a
//! ledger was lost:
//!
//! | object            | name                                   | example                      |
//! |-------------------|----------------------------------------|------------------------------|
//! | network namespace | `mlsim-<run>-<host>`                   | `mlsim-3fa9c1-bbu0`          |
//! | interface (≤ 15)  | `ml<run>-<tag>` (tag ≤ 6 chars)        | `ml3fa9c1-2a`                |
//! | cgroup (v1)       | `/sys/fs/cgroup/<ctrl>/mlsim-<run>/..` | `/sys/fs/cgroup/cpu/mlsim-3fa9c1/bbu0` |
//! | container         | `mlsim-<run>-<name>`                   | `mlsim-3fa9c1-w0`            |
//!
//! Interface names are limited by the kernel to 15 bytes (`IFNAMSIZ` - 1), which is why they use
//! the shorter `ml` prefix; [`is_ifname`] recognises them exactly (prefix, 6 hex digits, `-`), so
//! a sweep never touches someone else's interface that merely starts with `ml`.

/// Prefix of namespaces, cgroups and containers.
pub const PREFIX: &str = "mlsim-";
/// Prefix of interface names (short because of the 15-byte limit).
pub const IF_PREFIX: &str = "ml";
/// Length of a run id [hex characters].
pub const RUN_ID_LEN: usize = 6;
/// Longest interface name the kernel accepts \[bytes\].
pub const IFNAME_MAX: usize = 15;
/// Longest tag accepted by [`ifname`] \[bytes\].
pub const IF_TAG_MAX: usize = IFNAME_MAX - IF_PREFIX.len() - RUN_ID_LEN - 1;

/// `mlsim-<run>-<host>`: the network namespace of a host.
pub fn netns(run_id: &str, host: &str) -> String {
    format!("{PREFIX}{run_id}-{host}")
}

/// `mlsim-<run>-<name>`: a docker container.
pub fn container(run_id: &str, name: &str) -> String {
    format!("{PREFIX}{run_id}-{name}")
}

/// `mlsim-<run>`: the per-run cgroup directory under each v1 controller.
pub fn cgroup_dir(run_id: &str) -> String {
    format!("{PREFIX}{run_id}")
}

/// `ml<run>-<tag>`: an interface name. `None` if the tag is empty, longer than
/// [`IF_TAG_MAX`] bytes, or not made of ASCII letters, digits, `-` and `_`.
pub fn ifname(run_id: &str, tag: &str) -> Option<String> {
    let ok = !tag.is_empty()
        && tag.len() <= IF_TAG_MAX
        && tag
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| format!("{IF_PREFIX}{run_id}-{tag}"))
}

/// Whether `s` is a run id: exactly [`RUN_ID_LEN`] lowercase hex digits.
pub fn is_run_id(s: &str) -> bool {
    s.len() == RUN_ID_LEN && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The run id of a namespace, cgroup directory or container name made by this module
/// (`mlsim-<run>` or `mlsim-<run>-...`), if it is one.
pub fn run_of(name: &str) -> Option<&str> {
    let rest = name.strip_prefix(PREFIX)?;
    let id = rest.get(..RUN_ID_LEN)?;
    let tail = &rest[RUN_ID_LEN..];
    (is_run_id(id) && (tail.is_empty() || tail.starts_with('-'))).then_some(id)
}

/// Whether `name` is an interface name made by [`ifname`].
pub fn is_ifname(name: &str) -> bool {
    name.strip_prefix(IF_PREFIX)
        .and_then(|r| Some((r.get(..RUN_ID_LEN)?, r.get(RUN_ID_LEN..)?)))
        .is_some_and(|(id, tail)| is_run_id(id) && tail.starts_with('-') && tail.len() > 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interface_names_fit_the_kernel_limit() {
        let n = ifname("3fa9c1", "abcdef").expect("6-char tag fits");
        assert_eq!(n, "ml3fa9c1-abcdef");
        assert_eq!(n.len(), IFNAME_MAX);
        assert!(ifname("3fa9c1", "abcdefg").is_none());
        assert!(ifname("3fa9c1", "").is_none());
        assert!(ifname("3fa9c1", "a b").is_none());
        assert!(is_ifname(&n));
        assert!(!is_ifname("mlx5_0"));
        assert!(!is_ifname("ml3fa9c1"));
    }

    #[test]
    fn run_ids_are_recognised_only_in_our_names() {
        assert_eq!(run_of(&netns("3fa9c1", "bbu0")), Some("3fa9c1"));
        assert_eq!(run_of(&cgroup_dir("3fa9c1")), Some("3fa9c1"));
        assert_eq!(run_of("mlsim-3fa9c1x"), None);
        assert_eq!(run_of("mlsim-XYZ123-a"), None);
        assert_eq!(run_of("docker0"), None);
    }
}
