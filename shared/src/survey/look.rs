//! How the survey looks: the brand colour (with a text colour that reads on it at WCAG AA),
//! the corners, the font, light or dark, and where the card sits on the page.

use serde::{Deserialize, Serialize};

/// Koe's blue, when a site names no colour.
pub const DEFAULT_COLOR: &str = "#2454d6";
/// Corners, in CSS pixels: the default and the most a site may ask for.
pub const DEFAULT_RADIUS: u8 = 12;
pub const MAX_RADIUS: u8 = 24;

const DARK_TEXT: (u8, u8, u8) = (0x11, 0x11, 0x11);
const WHITE: (u8, u8, u8) = (0xff, 0xff, 0xff);

macro_rules! look_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal, default $default:ident { $($variant:ident => $wire:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub enum $name {
            $(#[doc = $wire] #[serde(rename = $wire)] $variant,)+
        }

        impl $name {
            pub const NAMES: &'static [&'static str] = &[$($wire),+];

            pub fn as_str(self) -> &'static str {
                match self {
                    $(Self::$variant => $wire,)+
                }
            }

            pub fn parse(raw: &str) -> Option<Self> {
                match raw {
                    $($wire => Some(Self::$variant),)+
                    _ => None,
                }
            }
        }

        impl Default for $name {
            fn default() -> Self {
                Self::$default
            }
        }
    };
}

look_enum!(
    /// The card's font: the host page's own (inherited), or the system's.
    Font, "font", default System { System => "system", Host => "host" }
);
look_enum!(
    /// Light, dark, or as the customer's system prefers.
    Theme, "theme", default Auto { Auto => "auto", Light => "light", Dark => "dark" }
);
look_enum!(
    /// Where the card sits (inline when the script tag names a `data-target`).
    Position, "position", default BottomRight { BottomRight => "bottom-right", BottomLeft => "bottom-left" }
);

/// A site's look, checked.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Look {
    /// `#rrggbb`, lower case; `None`: the script tag's `data-color`, else Koe's blue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub color: Option<String>,
    pub radius: u8,
    pub font: Font,
    pub theme: Theme,
    /// `None`: the script tag's `data-position`, else bottom right.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<Position>,
}

impl Default for Look {
    fn default() -> Self {
        Self {
            color: None,
            radius: DEFAULT_RADIUS,
            font: Font::default(),
            theme: Theme::default(),
            position: None,
        }
    }
}

/// A colour to paint with and the text colour that reads on it, both `#rrggbb`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paint {
    pub background: String,
    pub text: &'static str,
}

/// `#rgb` or `#rrggbb` as red, green, blue.
pub fn parse_hex(raw: &str) -> Option<(u8, u8, u8)> {
    let hex = raw.trim().strip_prefix('#')?;
    if !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |s: &str| u8::from_str_radix(s, 16).ok();
    match hex.len() {
        3 => {
            let c = |i: usize| channel(&hex[i..=i]).map(|v| v * 17);
            Some((c(0)?, c(1)?, c(2)?))
        }
        6 => Some((
            channel(&hex[0..2])?,
            channel(&hex[2..4])?,
            channel(&hex[4..6])?,
        )),
        _ => None,
    }
}

/// The brand colour `raw` (Koe's blue when it is not a colour), darkened until white or near
/// black text reads on it at 4.5 : 1, and that text colour. `pow` is `x^y`: the widget passes
/// the browser's `Math.pow` (Rust's own costs the wasm 1.4 KB), the collector `f64::powf`.
pub fn paint(raw: Option<&str>, pow: fn(f64, f64) -> f64) -> Paint {
    let contrast = |a, b| contrast(a, b, pow);
    let mut rgb = raw.and_then(parse_hex).unwrap_or((0x24, 0x54, 0xd6));
    // Mid-tones reach 4.5 : 1 with neither text colour: darken them until white does.
    while contrast(rgb, WHITE) < 4.5 && contrast(rgb, DARK_TEXT) < 4.5 {
        rgb = (darker(rgb.0), darker(rgb.1), darker(rgb.2));
    }
    let light = contrast(rgb, WHITE) >= contrast(rgb, DARK_TEXT);
    Paint {
        background: format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2),
        text: if light { "#ffffff" } else { "#111111" },
    }
}

fn darker(channel: u8) -> u8 {
    channel - channel / 10 - 1.min(channel)
}

/// WCAG contrast ratio, 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8), pow: fn(f64, f64) -> f64) -> f64 {
    let luminance = |(r, g, b): (u8, u8, u8)| {
        let linear = |c: u8| {
            let c = f64::from(c) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                pow((c + 0.055) / 1.055, 2.4)
            }
        };
        0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
    };
    let (la, lb) = (luminance(a), luminance(b));
    (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_on_the_brand_colour_always_reaches_aa() {
        for raw in [
            "#000", "#fff", "#ffcc00", "#2454d6", "#777777", "#808080", "#00ff00", "#e91e63",
            "#123456",
        ] {
            let paint = paint(Some(raw), f64::powf);
            let bg = parse_hex(&paint.background).unwrap();
            let text = parse_hex(paint.text).unwrap();
            let ratio = contrast(bg, text, f64::powf);
            assert!(ratio >= 4.5, "{raw}: {ratio}");
        }
    }

    #[test]
    fn what_is_not_a_colour_is_koes_blue() {
        for raw in [
            None,
            Some("red"),
            Some("#12"),
            Some("#gggggg"),
            Some("url(x)"),
        ] {
            assert_eq!(paint(raw, f64::powf).background, DEFAULT_COLOR);
        }
        assert_eq!(paint(Some("#FC0"), f64::powf).background, "#ffcc00");
        assert_eq!(Position::parse("bottom-left"), Some(Position::BottomLeft));
        assert_eq!(Theme::parse("sepia"), None);
    }
}
