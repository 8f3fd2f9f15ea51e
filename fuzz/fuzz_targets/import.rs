//! The page's import of a `.ddg` file or a shared run
//! ([`Timeline::load`](duckduckgoose::view::timeline::Timeline::load)): any
//! text loads within the budget or is refused with a line and a reason, never
//! a panic. A run that loads exports a scenario (the page's "Export" and its
//! links) that loads again to the very same state.
#![no_main]

use duckduckgoose::view::timeline::{Budget, Timeline};
use libfuzzer_sys::fuzz_target;

/// The page's budget of simulated time, and far fewer events than its
/// budget, so that one input takes milliseconds.
const BUDGET: Budget = Budget {
    time: 6 * 3600 * 1_000_000,
    events: 20_000,
};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1);
    match Timeline::load(&text, 7, BUDGET) {
        Ok((timeline, _warnings)) => {
            let exported = timeline.script();
            let (again, _) = Timeline::load(&exported, 8, BUDGET).unwrap_or_else(|(line, why)| {
                panic!("the export does not load: line {line}: {why}\n{exported}")
            });
            let (a, b) = (timeline.sim(), again.sim());
            assert_eq!(
                a.status(),
                b.status(),
                "the export replays differently:\n{exported}"
            );
            assert_eq!(a.stats().events, b.stats().events, "{exported}");
            assert_eq!(a.violation_count(), b.violation_count(), "{exported}");
        }
        Err((number, why)) => {
            assert!(
                (1..=lines + 1).contains(&number),
                "line {number} of {lines}"
            );
            assert!(!why.is_empty(), "an error must say why");
        }
    }
});
