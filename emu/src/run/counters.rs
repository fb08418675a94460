//! Byte counters of the emulated hosts' interfaces (what the kernel put on the wire).

use std::process::Command;

/// rx/tx bytes of interface `ifname` as `ip -s -j link show IF` reports them (run `ip` through
/// `cmd`, e.g. a host's [`crate::topo::Host::command`]) \[bytes\].
pub fn if_bytes(mut cmd: Command, ifname: &str) -> Option<(u64, u64)> {
    let out = cmd
        .args(["-s", "-j", "link", "show", ifname])
        .output()
        .ok()?;
    if !out.status.success() {
        return None;
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).ok()?;
    let s = v.get(0)?.get("stats64")?;
    Some((
        s.get("rx")?.get("bytes")?.as_u64()?,
        s.get("tx")?.get("bytes")?.as_u64()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_counters_are_readable() {
        // Every Linux host has `lo`; `ip` is part of iproute2, which the set-up installs.
        if Command::new("ip").arg("-V").output().is_err() {
            eprintln!("SKIPPED: no `ip` command");
            return;
        }
        assert!(if_bytes(Command::new("ip"), "lo").is_some());
        assert!(if_bytes(Command::new("ip"), "no-such-if0").is_none());
    }
}
