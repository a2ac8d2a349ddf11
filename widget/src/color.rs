//! The site's brand colour, and a text colour that reads on it at WCAG AA (4.5 : 1).

/// A colour the widget can paint with, and the text colour to use on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Brand {
    pub background: String,
    pub text: &'static str,
}

pub const DEFAULT_BRAND: &str = "#2454d6";
const DARK_TEXT: &str = "#111111";
const LIGHT_TEXT: &str = "#ffffff";

impl Brand {
    /// From `data-color` (`#rgb` or `#rrggbb`); anything else falls back to Koe's blue.
    pub fn from_attribute(raw: Option<&str>) -> Self {
        let mut rgb = raw.and_then(parse_hex).unwrap_or((0x24, 0x54, 0xd6));
        // Mid-tones reach 4.5 : 1 with neither text colour: darken them until white does.
        while contrast(rgb, WHITE) < 4.5 && contrast(rgb, DARK) < 4.5 {
            rgb = (darker(rgb.0), darker(rgb.1), darker(rgb.2));
        }
        let dark = contrast(rgb, DARK);
        let light = contrast(rgb, WHITE);
        Self {
            background: format!("#{:02x}{:02x}{:02x}", rgb.0, rgb.1, rgb.2),
            text: if light >= dark { LIGHT_TEXT } else { DARK_TEXT },
        }
    }
}

const WHITE: (u8, u8, u8) = (0xff, 0xff, 0xff);
const DARK: (u8, u8, u8) = (0x11, 0x11, 0x11);

fn darker(channel: u8) -> u8 {
    channel - channel / 10 - 1.min(channel)
}

fn parse_hex(raw: &str) -> Option<(u8, u8, u8)> {
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

/// WCAG relative luminance.
fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            pow((c + 0.055) / 1.055, 2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// `x^y`: the browser's `Math.pow` in the widget (Rust's own costs the wasm 1.4 KB).
fn pow(x: f64, y: f64) -> f64 {
    #[cfg(target_arch = "wasm32")]
    return js_sys::Math::pow(x, y);
    #[cfg(not(target_arch = "wasm32"))]
    return x.powf(y);
}

/// WCAG contrast ratio, 1 to 21.
pub fn contrast(a: (u8, u8, u8), b: (u8, u8, u8)) -> f64 {
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
            let brand = Brand::from_attribute(Some(raw));
            let bg = parse_hex(&brand.background).unwrap();
            let text = parse_hex(brand.text).unwrap();
            assert!(contrast(bg, text) >= 4.5, "{raw}: {}", contrast(bg, text));
        }
    }

    #[test]
    fn bad_colours_fall_back() {
        for raw in [
            None,
            Some("red"),
            Some("#12"),
            Some("#gggggg"),
            Some("url(x)"),
        ] {
            assert_eq!(Brand::from_attribute(raw).background, DEFAULT_BRAND);
        }
        assert_eq!(Brand::from_attribute(Some("#FC0")).background, "#ffcc00");
    }
}
