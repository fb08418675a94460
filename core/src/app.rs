//! The real workload programs as an identifier: what the emulation runs and `mlsim calibrate`
//! measures and fits.
//!
//! A model file names its apps by string ([`crate::scenario::AppModel::name`]) and may define
//! others; [`App::name`] is that string for the three real programs.

/// One of the paper's three workloads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum App {
    /// Ride hailing (`mlsim-workload run taxi`); items are ride requests.
    Taxi,
    /// Stress classification (`mlsim-workload run stress`); items are 30-s windows.
    Stress,
    /// Face recognition (`mlsim-face run`, dlib); items are camera frames.
    Face,
}

impl App {
    /// Every app, in the paper's order.
    pub const ALL: [App; 3] = [App::Face, App::Taxi, App::Stress];

    /// The name used on the command line, in CSV files and in model files.
    pub fn name(self) -> &'static str {
        match self {
            App::Taxi => "taxi",
            App::Stress => "stress",
            App::Face => "face",
        }
    }

    /// Parses [`App::name`].
    pub fn parse(s: &str) -> Option<App> {
        App::ALL.into_iter().find(|a| a.name() == s)
    }
}

impl std::fmt::Display for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_back_and_order_is_declaration_order() {
        for a in App::ALL {
            assert_eq!(App::parse(a.name()), Some(a));
            assert_eq!(a.to_string(), a.name());
        }
        assert_eq!(App::parse("chess"), None);
        // Sorted (as map keys, in fit tables): taxi, stress, face.
        let mut v = App::ALL.to_vec();
        v.sort();
        assert_eq!(v, [App::Taxi, App::Stress, App::Face]);
    }
}
