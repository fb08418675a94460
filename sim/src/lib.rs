//! The discrete-event engine and the C-RAN MEC model.
