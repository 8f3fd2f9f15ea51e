//! The page's settings form, in Rust: turning what a person typed into a line
//! of the scenario language (or a clear message next to the control), warning
//! when settings make elections unstable, and the speed scale.
//!
//! The page's JavaScript passes the raw text of a control here and shows what
//! comes back; it decides nothing itself.

use crate::options::{human_duration, Micros, Options, Span};
use crate::script::duration::{parse_duration, parse_percent};
use crate::sim::MAX_NODES;

/// The most nodes the page's node-count control offers.
pub const UI_MAX_NODES: u32 = 15;

/// Reads a control's text as milliseconds (`150`, `12.5`).
fn millis(label: &str, text: &str) -> Result<Micros, String> {
    let text = text.trim();
    if text.is_empty() {
        return Err(format!("{label}: enter a number of milliseconds"));
    }
    if text.starts_with('-') {
        return Err(format!("{label}: must not be negative"));
    }
    if !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!("{label}: `{text}` is not a number"));
    }
    parse_duration(&format!("{text}ms")).map_err(|e| format!("{label}: {e}"))
}

fn ms(us: Micros) -> String {
    human_duration(us)
}

/// `span` with its minimum (`min`) or maximum replaced by the control's
/// value, which must stay on the right side of the other end.
fn span_end(span: &Span, name: &str, text: &str, min: bool) -> Result<Span, String> {
    let (end, other) = if min {
        ("minimum", "maximum")
    } else {
        ("maximum", "minimum")
    };
    let label = format!("{name} {end}");
    let value = millis(&label, text)?;
    let (new, crossed) = if min {
        (Span::new(value, span.max), value > span.max)
    } else {
        (Span::new(span.min, value), value < span.min)
    };
    if crossed {
        let side = if min { "above" } else { "below" };
        let bound = if min { span.max } else { span.min };
        return Err(format!(
            "{label}: must not be {side} the {other} ({})",
            ms(bound)
        ));
    }
    Ok(new)
}

/// The scenario line for a changed control, or the message to show next to
/// it. `field` is the control's name: `election-min`, `election-max`,
/// `heartbeat`, `latency-min`, `latency-max`, `loss`, `checkquorum`,
/// `prevote`. The result is always a `set` line that keeps every other
/// setting as it is.
pub fn setting_line(field: &str, text: &str, now: &Options) -> Result<String, String> {
    let mut next = now.clone();
    match field {
        "election-min" => next.election = span_end(&now.election, "Election timeout", text, true)?,
        "election-max" => next.election = span_end(&now.election, "Election timeout", text, false)?,
        "heartbeat" => next.heartbeat = millis("Heartbeat interval", text)?,
        "latency-min" => next.latency = span_end(&now.latency, "Latency", text, true)?,
        "latency-max" => next.latency = span_end(&now.latency, "Latency", text, false)?,
        "loss" => {
            let text = text.trim();
            if text.is_empty() {
                return Err("Message loss: enter a percentage from 0 to 100".into());
            }
            next.loss =
                parse_percent(&format!("{text}%")).map_err(|e| format!("Message loss: {e}"))?;
        }
        "checkquorum" | "prevote" => {
            let on = match text {
                "true" | "on" => true,
                "false" | "off" => false,
                _ => return Err(format!("{field}: on or off, not `{text}`")),
            };
            if field == "checkquorum" {
                next.check_quorum = on;
            } else {
                next.pre_vote = on;
            }
        }
        _ => return Err(format!("unknown setting `{field}`")),
    }
    next.validate().map_err(|e| {
        let mut chars = e.chars();
        chars
            .next()
            .map(|c| c.to_uppercase().collect::<String>() + chars.as_str())
            .unwrap_or_default()
    })?;
    Ok(format!("set {next}"))
}

/// The `cluster` line that starts a fresh run of `text` nodes with `options`
/// and `seed` (a new run keeps every other setting).
pub fn nodes_line(text: &str, seed: u64, options: &Options) -> Result<String, String> {
    let text = text.trim();
    let n: u32 = text
        .parse()
        .map_err(|_| format!("Nodes: `{text}` is not a whole number"))?;
    if !(1..=UI_MAX_NODES).contains(&n) {
        return Err(format!(
            "Nodes: from 1 to {UI_MAX_NODES} here (up to {MAX_NODES} through window.ddg.exec)"
        ));
    }
    Ok(format!("cluster nodes={n} seed={seed} {options}"))
}

/// Reads the seed field: a whole number, or empty for a random seed.
pub fn seed_value(text: &str) -> Result<Option<u64>, String> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    text.parse()
        .map(Some)
        .map_err(|_| format!("Seed: `{text}` is not a whole number from 0 to 18446744073709551615"))
}

/// Warnings for settings that make elections unstable, in plain words (the
/// rules live in [`Options::warnings`], shared with the CLI).
pub fn warnings(o: &Options) -> Vec<String> {
    o.warnings()
}

/// The slowest speed the page offers: 1/1000 of real time.
pub const SLOWEST: f64 = 0.001;

/// The speed the page starts at: a message's flight of 10–15 ms takes about
/// 0.4 s on screen, and a heartbeat every 50 ms comes every 1.5 s.
pub const DEFAULT_SPEED: f64 = 1.0 / 30.0;

/// The speed for a slider position from 0 (real time) to 1 (1/1000×), on a
/// log scale.
pub fn speed_at(slider: f64) -> f64 {
    SLOWEST.powf(slider.clamp(0.0, 1.0))
}

/// The slider position for a speed (the inverse of [`speed_at`]).
pub fn slider_at(speed: f64) -> f64 {
    (speed.clamp(SLOWEST, 1.0).ln() / SLOWEST.ln()).clamp(0.0, 1.0)
}

/// A speed for people: `1×`, `1/30×`, `1/2.5×`, `1/1000×`.
pub fn speed_label(speed: f64) -> String {
    if speed >= 0.995 {
        return "1×".into();
    }
    let d = 1.0 / speed;
    if d < 10.0 {
        let tenths = (d * 10.0).round() as u64;
        if tenths % 10 == 0 {
            format!("1/{}×", tenths / 10)
        } else {
            format!("1/{}.{}×", tenths / 10, tenths % 10)
        }
    } else {
        format!("1/{}×", d.round() as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_control_becomes_a_set_line_keeping_the_rest() {
        let o = Options::default();
        assert_eq!(
            setting_line("election-min", "100", &o).unwrap(),
            "set election=100ms..300ms heartbeat=50ms latency=10ms..15ms loss=0% checkquorum=on prevote=off"
        );
        assert!(setting_line("loss", "12.5", &o)
            .unwrap()
            .contains("loss=12.5%"));
        assert!(setting_line("prevote", "true", &o)
            .unwrap()
            .contains("prevote=on"));
        assert!(
            setting_line("latency-max", "0.5", &o).is_err(),
            "below the minimum of 10ms"
        );
    }

    #[test]
    fn impossible_values_get_a_message_for_the_control() {
        let o = Options::default();
        for (field, text, why) in [
            (
                "election-min",
                "400",
                "must not be above the maximum (300ms)",
            ),
            (
                "election-max",
                "100",
                "must not be below the minimum (150ms)",
            ),
            ("heartbeat", "", "enter a number"),
            ("heartbeat", "-5", "must not be negative"),
            ("heartbeat", "fast", "is not a number"),
            ("heartbeat", "0", "at least 1ms"),
            ("loss", "150", "above 100%"),
            ("loss", "", "enter a percentage"),
            ("election-max", "99999999", "longer than the limit"),
        ] {
            let err = setting_line(field, text, &o).unwrap_err();
            assert!(err.contains(why), "{field}={text}: {err}");
        }
        assert!(nodes_line("16", 1, &o)
            .unwrap_err()
            .contains("from 1 to 15"));
        assert!(nodes_line("x", 1, &o)
            .unwrap_err()
            .contains("not a whole number"));
        assert_eq!(
            nodes_line("3", 7, &o).unwrap(),
            format!("cluster nodes=3 seed=7 {o}")
        );
        assert_eq!(seed_value(" "), Ok(None));
        assert!(seed_value("-1").is_err());
    }

    #[test]
    fn the_defaults_are_stable_and_bad_settings_are_warned_about() {
        assert!(warnings(&Options::default()).is_empty());
        let o = Options {
            election: crate::options::Span::new(20_000, 20_000),
            ..Options::default()
        };
        let w = warnings(&o);
        assert_eq!(w, o.warnings());
        assert!(w.iter().any(|w| w.contains("not above the round trip")));
        assert!(w.iter().any(|w| w.contains("Heartbeats")));
        assert!(w.iter().any(|w| w.contains("split votes")));
    }

    #[test]
    fn the_speed_scale_is_logarithmic_from_real_time_to_a_thousandth() {
        assert_eq!(speed_at(0.0), 1.0);
        assert!((speed_at(1.0) - 0.001).abs() < 1e-12);
        assert!((speed_at(1.0 / 3.0) - 0.1).abs() < 1e-9);
        assert!((speed_at(slider_at(DEFAULT_SPEED)) - DEFAULT_SPEED).abs() < 1e-9);
        assert_eq!(speed_label(DEFAULT_SPEED), "1/30×");
        assert_eq!(speed_label(1.0), "1×");
        assert_eq!(speed_label(0.001), "1/1000×");
    }
}
