//! The checkpoint methods the figures compare.

/// How an offloaded task was run (the `method` column of the records).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Method {
    /// One long-running invocation, no checkpoints.
    LongRunning,
    /// μλ: checkpoints injected into the Python code.
    MicroLambda,
    /// CRIU process checkpoints.
    Criu,
    /// Docker container checkpoints.
    Docker,
}

impl Method {
    /// The method named `s` in a record (`long_running`, `microlambda`, `criu`, `docker`); `None` for any
    /// other name, which the figures leave out.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "long_running" => Some(Method::LongRunning),
            "microlambda" => Some(Method::MicroLambda),
            "criu" => Some(Method::Criu),
            "docker" => Some(Method::Docker),
            _ => None,
        }
    }

    /// The method's name in legends.
    pub fn label(self) -> &'static str {
        match self {
            Method::LongRunning => "long-running",
            Method::MicroLambda => "μλ",
            Method::Criu => "CRIU",
            Method::Docker => "Docker",
        }
    }
}
