//! The page's settings form, in Rust: turning what a person typed into a line
//! of the scenario language (or a clear message next to the control), warning
//! when settings make elections unstable, and the speed scale.
//!
//! The page's JavaScript passes the raw text of a control here and shows what
//! comes back; it decides nothing itself.
//!
//! The timing fields are read as one form ([`form_line`]): what a person
//! typed stays in its field, every field gets its own message, and the run
//! changes only once the whole form is consistent. So typing min=150 and then
//! max=300 over 12..24 ends at 150..300, not at a silently restored 12. Values
//! may carry their unit (`150ms`, `0.2s`, `30%`); a bare number means
//! milliseconds, or percent for the loss.

use crate::options::{human_duration, Micros, Options, Span};
use crate::script::duration::{parse_duration, parse_percent};
use crate::sim::MAX_NODES;

/// The most nodes the page's node-count control offers.
pub const UI_MAX_NODES: u32 = 15;

/// `text` without its spaces (`150 ms` is `150ms`).
fn squeeze(text: &str) -> String {
    text.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Reads a control's text as a duration: milliseconds (`150`, `12.5`) or
/// with a unit (`150ms`, `0.2s`, `300us`).
fn millis(label: &str, text: &str) -> Result<Micros, String> {
    let text = squeeze(text);
    if text.is_empty() {
        return Err(format!("{label}: enter a number of milliseconds"));
    }
    if text.starts_with('-') {
        return Err(format!("{label}: must not be negative"));
    }
    let number = text.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!("{label}: `{text}` is not a number"));
    }
    let with_unit = if number.len() == text.len() {
        format!("{text}ms")
    } else {
        text.clone()
    };
    parse_duration(&with_unit).map_err(|e| format!("{label}: {e}"))
}

/// Reads the loss control: a percentage, with or without its `%`.
fn percent(text: &str) -> Result<crate::options::PartsPerMillion, String> {
    let text = squeeze(text);
    let number = text.strip_suffix('%').unwrap_or(&text);
    if number.is_empty() {
        return Err("Message loss: enter a percentage from 0 to 100".into());
    }
    if !number.starts_with('-') && !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return Err(format!("Message loss: `{text}` is not a number"));
    }
    parse_percent(&format!("{number}%")).map_err(|e| format!("Message loss: {e}"))
}

/// The timing fields of the settings form, by their `data-control` names.
pub const TIMING_FIELDS: [&str; 6] = [
    "election-min",
    "election-max",
    "heartbeat",
    "latency-min",
    "latency-max",
    "loss",
];

/// A message for one field of the form.
pub type FieldMessage = (&'static str, String);

/// Reads the whole timing form at once. `typed` holds each field's text as
/// typed (a field left out keeps its value in `now`); `changed` is the field
/// just edited, which gets the message when two fields disagree.
///
/// Returns the `set` line to apply (`None` when the form says what the run
/// already does), or a message for every field that is wrong: the run
/// changes only when the form is consistent as a whole.
pub fn form_line(
    typed: &[(&str, &str)],
    changed: &str,
    now: &Options,
) -> Result<Option<String>, Vec<FieldMessage>> {
    let mut next = now.clone();
    let mut errors: Vec<FieldMessage> = Vec::new();
    for field in TIMING_FIELDS {
        let Some(&(_, text)) = typed.iter().find(|(f, _)| *f == field) else {
            continue;
        };
        let read = match field {
            "election-min" => {
                millis("Election timeout minimum", text).map(|v| next.election.min = v)
            }
            "election-max" => {
                millis("Election timeout maximum", text).map(|v| next.election.max = v)
            }
            "heartbeat" => millis("Heartbeat interval", text).map(|v| next.heartbeat = v),
            "latency-min" => millis("Latency minimum", text).map(|v| next.latency.min = v),
            "latency-max" => millis("Latency maximum", text).map(|v| next.latency.max = v),
            _ => percent(text).map(|v| next.loss = v),
        };
        if let Err(e) = read {
            errors.push((field, e));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    for (name, span, min_field, max_field) in [
        (
            "Election timeout",
            next.election,
            "election-min",
            "election-max",
        ),
        ("Latency", next.latency, "latency-min", "latency-max"),
    ] {
        if span.min > span.max {
            let message = if changed == max_field {
                (
                    max_field,
                    format!(
                        "{name} maximum: must not be below the minimum ({})",
                        ms(span.min)
                    ),
                )
            } else {
                (
                    min_field,
                    format!(
                        "{name} minimum: must not be above the maximum ({})",
                        ms(span.max)
                    ),
                )
            };
            errors.push(message);
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    if let Err(e) = next.validate() {
        let field = TIMING_FIELDS
            .into_iter()
            .find(|f| *f == changed)
            .unwrap_or(TIMING_FIELDS[0]);
        return Err(vec![(field, capitalised(&e))]);
    }
    Ok((next != *now).then(|| format!("set {next}")))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|c| c.to_ascii_uppercase().to_string() + chars.as_str())
        .unwrap_or_default()
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
        "loss" => next.loss = percent(text)?,
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
    next.validate().map_err(|e| capitalised(&e))?;
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
    super::math::powf(SLOWEST, slider.clamp(0.0, 1.0))
}

/// The slider position for a speed (the inverse of [`speed_at`]).
pub fn slider_at(speed: f64) -> f64 {
    (super::math::ln(speed.clamp(SLOWEST, 1.0)) / super::math::ln(SLOWEST)).clamp(0.0, 1.0)
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
    fn values_may_carry_their_units() {
        let o = Options::default();
        for (field, text, wanted) in [
            ("loss", "30%", "loss=30%"),
            ("loss", " 30 % ", "loss=30%"),
            ("loss", "2.5", "loss=2.5%"),
            ("heartbeat", "150ms", "heartbeat=150ms"),
            ("heartbeat", "150 ms", "heartbeat=150ms"),
            ("heartbeat", "0.1s", "heartbeat=100ms"),
            ("heartbeat", "75", "heartbeat=75ms"),
        ] {
            let line = setting_line(field, text, &o).unwrap();
            assert!(line.contains(wanted), "{field}={text}: {line}");
        }
        for (text, why) in [
            ("150 parsecs", "not a unit"),
            ("ms", "not a number"),
            ("1.2.3", ""),
        ] {
            assert!(
                setting_line("heartbeat", text, &o)
                    .unwrap_err()
                    .contains(why),
                "{text}"
            );
        }
        assert!(setting_line("loss", "lots%", &o)
            .unwrap_err()
            .contains("not a number"));
    }

    /// The repro of issue 7 §6: from 12..24, min=150 is wrong on its own;
    /// then max=300 makes the form consistent, and both typed values apply.
    #[test]
    fn the_form_keeps_what_was_typed_and_applies_once_consistent() {
        let o = Options {
            election: Span::new(12_000, 24_000),
            ..Options::default()
        };
        let errors = form_line(
            &[("election-min", "150"), ("election-max", "24")],
            "election-min",
            &o,
        )
        .unwrap_err();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].0, "election-min");
        assert!(
            errors[0].1.contains("above the maximum (24ms)"),
            "{errors:?}"
        );
        let line = form_line(
            &[("election-min", "150"), ("election-max", "300")],
            "election-max",
            &o,
        )
        .unwrap()
        .unwrap();
        assert!(line.contains("election=150ms..300ms"), "{line}");
        // Latency, the other range, behaves the same, with units.
        let errors = form_line(
            &[("latency-max", "5ms")],
            "latency-max",
            &Options::default(),
        )
        .unwrap_err();
        assert_eq!(errors[0].0, "latency-max");
        assert!(
            errors[0].1.contains("below the minimum (10ms)"),
            "{errors:?}"
        );
        // Every wrong field gets its own message at once.
        let errors = form_line(
            &[
                ("heartbeat", "soon"),
                ("loss", "200%"),
                ("latency-min", "3"),
            ],
            "loss",
            &Options::default(),
        )
        .unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.0).collect();
        assert_eq!(fields, ["heartbeat", "loss"]);
        // A form that says what the run already does changes nothing.
        assert_eq!(
            form_line(
                &[("heartbeat", "50ms"), ("loss", "0%")],
                "loss",
                &Options::default()
            ),
            Ok(None)
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
