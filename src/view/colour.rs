//! The page's colours that carry meaning, and the arithmetic that proves they
//! can be read: WCAG 2 contrast ratios, and term colours kept apart from the
//! role colours (the goose's gold ring, the candidate's halo, the yellow
//! ducks).
//!
//! Term colours come from the Okabe–Ito palette, which stays distinct for the
//! common forms of colour blindness, without its orange and yellow (too close
//! to the gold of the roles) and vermillion (the colour of a denied vote),
//! plus two darker purples. Every term badge's number is drawn in whichever of
//! near-black and white reads better on it, and the tests prove that it
//! reaches 4.5:1 (WCAG AA for text).

/// A term's badge: its fill and the colour of the number on it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Badge {
    /// The fill (and the colour of the node's term ring).
    pub fill: &'static str,
    /// The number's colour on that fill.
    pub text: &'static str,
}

/// Dark text on light badges.
pub const DARK_TEXT: &str = "#111111";
/// Light text on dark badges.
pub const LIGHT_TEXT: &str = "#ffffff";

/// Term colours, in turn from term 1.
pub const TERMS: [Badge; 6] = [
    Badge {
        fill: "#0072b2",
        text: LIGHT_TEXT,
    },
    Badge {
        fill: "#009e73",
        text: DARK_TEXT,
    },
    Badge {
        fill: "#cc79a7",
        text: DARK_TEXT,
    },
    Badge {
        fill: "#56b4e9",
        text: DARK_TEXT,
    },
    Badge {
        fill: "#6a4fa3",
        text: LIGHT_TEXT,
    },
    Badge {
        fill: "#a0307a",
        text: LIGHT_TEXT,
    },
];

/// Term 0 (nobody has stood for election yet): grey.
pub const TERM_ZERO: Badge = Badge {
    fill: "#9aa0a6",
    text: DARK_TEXT,
};

/// The role colours that term colours must stay away from: the goose's gold
/// ring and the candidate's halo (light and dark theme), the ducks' yellow,
/// and a denied vote's vermillion.
pub const ROLE_COLOURS: [&str; 5] = ["#d79b00", "#f0b429", "#f6c744", "#d55e00", "#ff7a2f"];

/// The badge of a term.
pub fn term_badge(term: u64) -> Badge {
    if term == 0 {
        TERM_ZERO
    } else {
        TERMS[((term - 1) % TERMS.len() as u64) as usize]
    }
}

/// `#rrggbb` as its three channels; `None` for anything else.
pub fn parse_hex(colour: &str) -> Option<[u8; 3]> {
    let hex = colour.strip_prefix('#')?;
    if hex.len() != 6 || !hex.is_ascii() {
        return None;
    }
    let channel = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([channel(0)?, channel(2)?, channel(4)?])
}

/// WCAG 2 relative luminance of an sRGB colour, 0 (black) to 1 (white).
pub fn luminance(rgb: [u8; 3]) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.04045 {
            c / 12.92
        } else {
            super::math::powf((c + 0.055) / 1.055, 2.4)
        }
    };
    0.2126 * linear(rgb[0]) + 0.7152 * linear(rgb[1]) + 0.0722 * linear(rgb[2])
}

/// WCAG 2 contrast ratio between two `#rrggbb` colours, 1 to 21; `None` if
/// either is not `#rrggbb`.
pub fn contrast(a: &str, b: &str) -> Option<f64> {
    let (la, lb) = (luminance(parse_hex(a)?), luminance(parse_hex(b)?));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    Some((hi + 0.05) / (lo + 0.05))
}

/// Of near-black and white, the text colour that reads better on `fill`.
pub fn text_on(fill: &str) -> &'static str {
    let dark = contrast(fill, DARK_TEXT).unwrap_or(0.0);
    let light = contrast(fill, LIGHT_TEXT).unwrap_or(0.0);
    if dark >= light {
        DARK_TEXT
    } else {
        LIGHT_TEXT
    }
}

/// The hue of an `#rrggbb` colour in degrees (0 red, 120 green, 240 blue).
pub fn hue(colour: &str) -> Option<f64> {
    let [r, g, b] = parse_hex(colour)?.map(|c| f64::from(c) / 255.0);
    let max = r.max(g).max(b);
    let min = r.min(g).min(b);
    let d = max - min;
    if d <= f64::EPSILON {
        return Some(0.0);
    }
    let h = if max == r {
        super::math::rem_euclid((g - b) / d, 6.0)
    } else if max == g {
        (b - r) / d + 2.0
    } else {
        (r - g) / d + 4.0
    };
    Some(h * 60.0)
}

/// The distance between two hues, in degrees around the colour wheel.
pub fn hue_distance(a: f64, b: f64) -> f64 {
    let d = super::math::rem_euclid(a - b, 360.0);
    d.min(360.0 - d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contrast_matches_the_wcag_reference_values() {
        assert_eq!(contrast("#000000", "#ffffff"), Some(21.0));
        assert_eq!(contrast("#777777", "#777777"), Some(1.0));
        // WebAIM's checker: #767676 on white is the lightest grey at 4.5:1.
        let grey = contrast("#767676", "#ffffff").unwrap();
        assert!((grey - 4.54).abs() < 0.01, "{grey}");
        // The measurement of the old logo: #c99a17 on white, 2.58:1.
        let logo = contrast("#c99a17", "#ffffff").unwrap();
        assert!((logo - 2.58).abs() < 0.01, "{logo}");
        assert_eq!(contrast("#12345", "#ffffff"), None);
        assert_eq!(contrast("white", "#ffffff"), None);
    }

    #[test]
    fn every_term_badge_number_reaches_four_and_a_half_to_one() {
        for term in 0..=TERMS.len() as u64 {
            let b = term_badge(term);
            let ratio = contrast(b.fill, b.text).unwrap();
            assert!(
                ratio >= 4.5,
                "term {term}: {} on {} is {ratio:.2}:1",
                b.text,
                b.fill
            );
            assert_eq!(
                b.text,
                text_on(b.fill),
                "term {term} uses the better text colour"
            );
        }
    }

    #[test]
    fn term_colours_stay_away_from_the_role_colours() {
        for (i, b) in TERMS.iter().enumerate() {
            let h = hue(b.fill).unwrap();
            for role in ROLE_COLOURS {
                let d = hue_distance(h, hue(role).unwrap());
                assert!(
                    d >= 45.0,
                    "term {} ({}) is {d:.0}° from {role}",
                    i + 1,
                    b.fill
                );
            }
        }
        // Neighbouring terms differ too, so a term change is visible.
        for (i, pair) in TERMS.windows(2).enumerate() {
            let d = hue_distance(hue(pair[0].fill).unwrap(), hue(pair[1].fill).unwrap());
            assert!(d >= 30.0, "terms {} and {} are {d:.0}° apart", i + 1, i + 2);
        }
    }

    #[test]
    fn terms_cycle_through_the_palette() {
        assert_eq!(term_badge(0), TERM_ZERO);
        assert_eq!(term_badge(1), TERMS[0]);
        assert_eq!(term_badge(1 + TERMS.len() as u64), TERMS[0]);
        assert_eq!(hue("#ff0000"), Some(0.0));
        assert_eq!(hue("#00ff00"), Some(120.0));
        assert_eq!(hue("#0000ff"), Some(240.0));
        assert_eq!(hue_distance(350.0, 10.0), 20.0);
    }
}
