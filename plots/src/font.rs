//! The font of the PNG figures, embedded so that rendering needs no system fonts.
//!
//! Ubuntu Light (Dalton Maag, Ubuntu Font Licence 1.0: free use, modification and
//! redistribution, including embedding in software; modified versions must be renamed), as
//! shipped by the `epaint_default_fonts` crate. It covers Latin and Greek, so μ and λ render.
//! The SVG names the generic family `sans-serif` and leaves the choice to its viewer.

/// The embedded TrueType font (Ubuntu Light).
pub const FONT_TTF: &[u8] = epaint_default_fonts::UBUNTU_LIGHT;
