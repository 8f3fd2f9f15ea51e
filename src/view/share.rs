//! Shareable links: a run (its scenario, see [`super::timeline::Timeline::script`])
//! and the moment on view, in a URL fragment.
//!
//! The fragment stays readable: `#t=1.5s&run=cluster_nodes=5_seed=42…;run_1200ms;kill_n3`.
//! A space becomes `_`, a line break `;`, and anything outside a small safe
//! set is percent-encoded. The scenario lines a run records never contain `_`
//! or `;` themselves. A lesson is linked by its id: `#lesson=03-split-vote`.
//!
//! `embed` (in the query, `?embed`, or as a fragment part, `#lesson=…&embed`)
//! asks for the page's embed mode, for an iframe in slides; it says how to
//! show the run, not which run, so [`parse_fragment`] passes over it and
//! [`wants_embed`] reads it.

use crate::options::{format_duration, Time};
use crate::script::duration::parse_duration;

/// The longest fragment the page accepts.
pub const MAX_FRAGMENT: usize = 1 << 20;

/// What a fragment asks the page to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Shared {
    /// A run, and the moment to show (its end when absent).
    Run {
        /// The scenario.
        script: String,
        /// The moment on view.
        at: Option<Time>,
    },
    /// A lesson, by id.
    Lesson(String),
}

fn keep(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b"-.,=:".contains(&b)
}

/// Encodes a scenario for a fragment.
pub fn encode_script(script: &str) -> String {
    let mut out = String::with_capacity(script.len());
    for b in script.trim_end().bytes() {
        match b {
            b' ' => out.push('_'),
            b'\n' => out.push(';'),
            b if keep(b) => out.push(b as char),
            b => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Decodes what [`encode_script`] wrote (or what a browser made of it).
pub fn decode_script(text: &str) -> Result<String, String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'_' => out.push(b' '),
            b';' => out.push(b'\n'),
            b'%' => {
                let hex = bytes
                    .get(i + 1..i + 3)
                    .and_then(|h| std::str::from_utf8(h).ok())
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| format!("a broken %-escape at character {}", i + 1))?;
                out.push(hex);
                i += 2;
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8(out).map_err(|_| "the link does not hold text".to_string())
}

/// The fragment (without `#`) for a run and the moment on view.
pub fn fragment(script: &str, at: Time) -> String {
    format!("t={}&run={}", format_duration(at), encode_script(script))
}

/// Whether a page address asks for embed mode: `embed` as a part of its
/// query (`search`, with or without `?`) or of its fragment (`hash`).
pub fn wants_embed(search: &str, hash: &str) -> bool {
    has_flag(search, '?', "embed") || has_flag(hash, '#', "embed")
}

/// Whether a fragment asks for each bird's log strip (`logs`): like
/// `embed`, it says how to show the run, not which run.
pub fn wants_logs(hash: &str) -> bool {
    has_flag(hash, '#', "logs")
}

/// Whether `s` (led by `lead` or not) has the part `name`, alone or `name=…`.
fn has_flag(s: &str, lead: char, name: &str) -> bool {
    s.strip_prefix(lead).unwrap_or(s).split('&').any(|part| {
        part.strip_prefix(name)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('='))
    })
}

/// Reads a fragment (with or without `#`). An empty fragment, or one that only
/// asks for embed mode, is `Ok(None)`.
pub fn parse_fragment(fragment: &str) -> Result<Option<Shared>, String> {
    let fragment = fragment.strip_prefix('#').unwrap_or(fragment);
    if fragment.is_empty() {
        return Ok(None);
    }
    if fragment.len() > MAX_FRAGMENT {
        return Err(format!(
            "the link is {} KB long; the page reads links of at most {} KB",
            fragment.len() / 1024,
            MAX_FRAGMENT / 1024
        ));
    }
    let mut at = None;
    let mut script = None;
    let mut lesson = None;
    let mut parts = 0;
    for part in fragment.split('&') {
        let (key, value) = part.split_once('=').unwrap_or((part, ""));
        if key == "embed" || key == "logs" {
            continue;
        }
        parts += 1;
        match key {
            "t" => {
                at = Some(
                    parse_duration(&decode_script(value)?)
                        .map_err(|e| format!("the link's time is wrong: {e}"))?,
                )
            }
            "run" => script = Some(decode_script(value)?),
            "lesson" => lesson = Some(decode_script(value)?),
            _ => {
                return Err(format!(
                    "the link has `{}`, which this page does not know",
                    key.chars().take(40).collect::<String>()
                ))
            }
        }
    }
    match (script, lesson) {
        (None, None) if parts == 0 => Ok(None),
        (Some(script), None) => Ok(Some(Shared::Run { script, at })),
        (None, Some(id)) => Ok(Some(Shared::Lesson(id))),
        (None, None) => Err("the link holds no run".into()),
        (Some(_), Some(_)) => Err("the link holds both a run and a lesson".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "cluster nodes=5 seed=42 election=150ms..300ms heartbeat=50ms latency=10ms..15ms loss=2.5% checkquorum=on prevote=off\nrun 1200ms\nkill n3\npartition n1,n2 | n3,n4,n5\nrun 800us\n";

    #[test]
    fn a_run_survives_the_round_trip_through_a_fragment() {
        let f = fragment(SCRIPT, 1_500_000);
        assert!(
            f.starts_with("t=1500ms&run=cluster_nodes=5_seed=42_"),
            "{f}"
        );
        assert!(
            !f.contains(' ') && !f.contains('\n') && !f.contains('|'),
            "{f}"
        );
        assert_eq!(
            parse_fragment(&format!("#{f}")),
            Ok(Some(Shared::Run {
                script: SCRIPT.trim_end().to_string(),
                at: Some(1_500_000)
            }))
        );
        assert_eq!(parse_fragment(""), Ok(None));
        assert_eq!(parse_fragment("#"), Ok(None));
        assert_eq!(
            parse_fragment("#lesson=03-split-vote"),
            Ok(Some(Shared::Lesson("03-split-vote".into())))
        );
    }

    #[test]
    fn embed_is_a_way_to_show_not_a_run() {
        assert!(wants_embed("?embed", ""));
        assert!(wants_embed("", "#lesson=01-first-election&embed"));
        assert!(wants_embed("?x=1&embed=1", ""));
        assert!(!wants_embed("?embedded", "#lesson=embed"));
        assert!(!wants_embed("", ""));
        assert_eq!(
            parse_fragment("#lesson=03-split-vote&embed"),
            Ok(Some(Shared::Lesson("03-split-vote".into())))
        );
        assert_eq!(parse_fragment("#embed"), Ok(None));
        let f = fragment(SCRIPT, 1_500_000);
        assert_eq!(
            parse_fragment(&format!("#{f}&embed")),
            parse_fragment(&format!("#{f}"))
        );
    }

    #[test]
    fn the_log_strip_is_a_way_to_show_not_a_run() {
        let f = fragment(SCRIPT, 1_500_000);
        assert!(wants_logs(&format!("#{f}&logs")));
        assert!(wants_logs("#lesson=01-first-election&logs&embed"));
        assert!(!wants_logs(&format!("#{f}")));
        assert!(!wants_logs("#logsy=1"));
        assert_eq!(
            parse_fragment(&format!("#{f}&logs")),
            parse_fragment(&format!("#{f}"))
        );
    }

    #[test]
    fn broken_or_hostile_fragments_get_a_reason() {
        for (f, why) in [
            ("#t=5s", "holds no run"),
            ("#run=x&lesson=y", "both"),
            ("#evil=1", "does not know"),
            ("#run=%ZZ", "broken %-escape"),
            ("#run=%FF%FE", "does not hold text"),
            ("#t=forever&run=cluster", "time is wrong"),
            ("#t=99999999999999999999s&run=cluster", "too large"),
        ] {
            let err = parse_fragment(f).unwrap_err();
            assert!(err.contains(why), "{f}: {err}");
        }
        let huge = format!("#run={}", "a".repeat(MAX_FRAGMENT + 1));
        assert!(parse_fragment(&huge)
            .unwrap_err()
            .contains("at most 1024 KB"));
    }
}
