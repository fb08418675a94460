//! `mlsim-relay --a IF --b IF --delay-ns N [--loss P] [--seed S]`: the userspace delay path of
//! a link (see `mlsim_emu::topo::relay`). Started by `Topology::up` inside a link's middle
//! namespace; the same code runs as the hidden `mlsim emu relay` subcommand.

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if let Err(e) = mlsim_emu::topo::relay::main(&args) {
        eprintln!("mlsim-relay: {e}");
        std::process::exit(
            if e.starts_with("usage") || e.contains("unknown argument") {
                2
            } else {
                1
            },
        );
    }
}
