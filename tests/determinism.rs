//! Same seed, same run: the trace of `tests/traces/determinism.ddg` is
//! compared line by line with the committed `determinism.trace`, natively
//! here and in headless Chromium in `tests/web.rs`. Together they show the
//! wasm build replays exactly what the native build does.
//!
//! After an intended behaviour change, regenerate the file with
//! `cargo run --release --bin ddg -- run --trace tests/traces/determinism.ddg > tests/traces/determinism.trace`.
#![cfg(not(target_arch = "wasm32"))]

use duckduckgoose::run_script;

const SCENARIO: &str = include_str!("traces/determinism.ddg");
const EXPECTED: &str = include_str!("traces/determinism.trace");

fn trace() -> String {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = run_script(SCENARIO, 0, true, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    String::from_utf8(out).expect("utf-8")
}

#[test]
fn the_trace_matches_the_committed_one_line_by_line() {
    let actual = trace();
    for (i, (a, e)) in actual.lines().zip(EXPECTED.lines()).enumerate() {
        assert_eq!(a, e, "line {} of the trace differs", i + 1);
    }
    assert_eq!(
        actual.lines().count(),
        EXPECTED.lines().count(),
        "trace length differs"
    );
}

#[test]
fn two_runs_of_the_same_scenario_are_identical() {
    assert_eq!(trace(), trace());
}

#[test]
fn a_different_seed_gives_a_different_run() {
    let other = SCENARIO.replace("seed=20261127", "seed=20261128");
    let (mut out, mut err) = (Vec::new(), Vec::new());
    assert_eq!(run_script(&other, 0, true, &mut out, &mut err), 0);
    assert_ne!(String::from_utf8(out).unwrap(), EXPECTED);
}
