//! The site's brand colour, and a text colour that reads on it at WCAG AA (4.5 : 1): worked out
//! by `koe_shared::survey::look::paint`, with the browser's `Math.pow`.

use koe_shared::survey::look;

/// A colour the widget can paint with, and the text colour to use on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub background: String,
    pub text: String,
}

impl Brand {
    /// From `data-color` (`#rgb` or `#rrggbb`); anything else falls back to Koe's blue.
    pub fn from_attribute(raw: Option<&str>) -> Self {
        let paint = look::paint(raw, pow);
        Self {
            background: paint.background,
            text: paint.text.to_owned(),
        }
    }
}

/// `x^y`: the browser's `Math.pow` in the widget (Rust's own costs the wasm 1.4 KB).
fn pow(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::pow(x, y);
    #[cfg(not(target_arch = "wasm32"))]
    return x.powf(y);
}
