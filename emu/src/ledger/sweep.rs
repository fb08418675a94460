//! Cleaning every registered run, then sweeping leftovers by name.

use std::path::Path;
use std::process::Command;

use super::clean::{CleanReport, Removal, clean_ledger, docker, remove_cgroup, remove_netns};
use super::{LedgerError, index_dir};
use crate::{names, sys};

/// Cleans every ledger registered in the global index, then sweeps leftovers by name: network
/// namespaces `mlsim-<run>-*` (with every process inside), root-namespace interfaces
/// `ml<run>-*`, v1 cgroups `/sys/fs/cgroup/*/mlsim-<run>` (with their tasks) and docker
/// containers `mlsim-<run>-*`.
///
/// This removes the objects of runs that are still going, too: it is meant for after a crash.
pub fn clean_all() -> Result<CleanReport, LedgerError> {
    let mut report = CleanReport::default();
    let index = index_dir();
    if let Ok(rd) = std::fs::read_dir(&index) {
        for entry in rd.flatten() {
            let p = entry.path();
            let Ok(target) = std::fs::read_to_string(&p) else {
                continue;
            };
            let ledger = Path::new(target.trim());
            if ledger.is_file() {
                match clean_ledger(ledger) {
                    Ok(r) => report.merge(r),
                    Err(e) => report
                        .failed
                        .push(format!("ledger {}: {e}", ledger.display())),
                }
            } else {
                // The run folder was deleted: only the sweep below can find its objects.
                let _ = std::fs::remove_file(&p);
            }
        }
    }
    sweep(&mut report);
    Ok(report)
}

fn sweep(report: &mut CleanReport) {
    // Namespaces first: deleting one kills its processes and removes its interfaces.
    if let Ok(out) = sys::ip(None, &["netns", "list"]) {
        for name in out.lines().filter_map(|l| l.split_whitespace().next()) {
            if names::run_of(name).is_some() {
                report.note(format!("netns {name}"), remove_netns(name));
            }
        }
    }
    if let Ok(out) = sys::ip(None, &["-o", "link", "show"]) {
        for name in out.lines().filter_map(link_name) {
            if names::is_ifname(name) {
                let r = match sys::ip(None, &["link", "delete", name]) {
                    Ok(_) => Removal::Removed,
                    Err(e) => Removal::Failed(e.to_string()),
                };
                report.note(format!("link {name}"), r);
            }
        }
    }
    if let Ok(ctrls) = std::fs::read_dir("/sys/fs/cgroup") {
        for ctrl in ctrls.flatten() {
            let Ok(rd) = std::fs::read_dir(ctrl.path()) else {
                continue;
            };
            for e in rd.flatten() {
                let is_ours = e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| names::run_of(n).is_some());
                if is_ours && e.file_type().is_ok_and(|t| t.is_dir()) {
                    let path = e.path();
                    report.note(format!("cgroup {}", path.display()), remove_cgroup(&path));
                }
            }
        }
    }
    sweep_containers(report);
    // Processes of runs whose ledger is lost are found through the namespaces and cgroups
    // above: everything the emulator starts lives in one of those.
}

/// `3: ml3fa9c1-0a@if4: <...>` -> `ml3fa9c1-0a`.
fn link_name(line: &str) -> Option<&str> {
    let name = line.split(':').nth(1)?.trim();
    Some(name.split('@').next().unwrap_or(name))
}

fn sweep_containers(report: &mut CleanReport) {
    if !Path::new("/var/run/docker.sock").exists() {
        return; // no daemon: docker cannot hold containers of ours
    }
    let mut c = Command::new(docker());
    c.args([
        "ps",
        "-a",
        "--filter",
        &format!("name=^{}", names::PREFIX),
        "--format",
        "{{.Names}}",
    ]);
    let out = match sys::run(&mut c) {
        Ok(out) => out,
        Err(sys::CmdError::Spawn { .. }) => return,
        Err(e) => {
            report.failed.push(format!("listing containers: {e}"));
            return;
        }
    };
    for name in out.lines().map(str::trim) {
        if names::run_of(name).is_some() {
            let r = match sys::run(Command::new(docker()).args(["rm", "-f", "-v", name])) {
                Ok(_) => Removal::Removed,
                Err(e) => Removal::Failed(e.to_string()),
            };
            report.note(format!("container {name}"), r);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_names_are_parsed_from_ip_o_link() {
        assert_eq!(
            link_name("7: ml3fa9c1-0a@if6: <BROADCAST,MULTICAST> mtu 1500"),
            Some("ml3fa9c1-0a")
        );
        assert_eq!(link_name("1: lo: <LOOPBACK,UP> mtu 65536"), Some("lo"));
    }
}
