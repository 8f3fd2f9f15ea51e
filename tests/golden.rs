//! Golden scenarios: every `tests/scenarios/NAME.ddg` must run with exit code
//! 0 (all its `expect` lines hold) and print exactly `tests/scenarios/NAME.out`
//! on standard output.
//!
//! After an intended behaviour change, regenerate the `.out` files with
//!
//! ```text
//! UPDATE_GOLDEN=1 cargo test --release --test golden
//! ```
//!
//! and read the diff before committing it.
#![cfg(not(target_arch = "wasm32"))]

use std::fmt::Write as _;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::time::{Duration, Instant};

use duckduckgoose::run_script;

/// The scenarios the test suite documents; each must exist.
const REQUIRED: &[&str] = &[
    "first_election",
    "goose_crash_reelection",
    "revived_goose_rejoins_as_duck",
    "log_replication",
    "amnesia_loses_a_committed_entry",
    "figure_8_commit_rule",
    "minority_partition",
    "minority_partition_no_checkquorum",
    "split_vote",
    "disruptive_rejoin",
    "disruptive_rejoin_prevote",
    "loss_of_quorum",
    "one_way_deaf_node",
    "one_way_deaf_goose",
    "one_way_cut_from_goose",
    "membership_add_and_remove",
    "membership_under_partition",
];

fn scenario_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios")
}

/// Every `*.ddg` under `tests/scenarios`, sorted by name.
fn scenarios() -> Vec<PathBuf> {
    let mut found: Vec<PathBuf> = fs::read_dir(scenario_dir())
        .expect("tests/scenarios exists")
        .map(|e| e.expect("readable directory entry").path())
        .filter(|p| p.extension().is_some_and(|e| e == "ddg"))
        .collect();
    found.sort();
    found
}

fn name_of(path: &Path) -> String {
    path.file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// What one run of a scenario printed.
struct Run {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Scenarios take milliseconds; one still running after this long is stuck
/// (a simulation whose clock no longer advances, for example).
const TIMEOUT: Duration = Duration::from_secs(60);

/// Runs a scenario as `ddg run` does.
fn run(text: &str) -> Run {
    let (mut out, mut err) = (Vec::new(), Vec::new());
    // The seed 0 is only used by a scenario with no seed, which is refused
    // below: golden output must not depend on a drawn seed.
    let code = run_script(text, 0, false, &mut out, &mut err);
    Run {
        code,
        stdout: String::from_utf8(out).expect("stdout is UTF-8"),
        stderr: String::from_utf8(err).expect("stderr is UTF-8"),
    }
}

/// Starts every scenario at once, each on its own thread (run twice, to
/// check determinism), and collects the two runs of each; a scenario that
/// panics, or that has not finished when [`TIMEOUT`] has passed since the
/// start, gets an `Err` instead of hanging the test.
fn run_all(paths: &[PathBuf]) -> Vec<Result<(Run, Run), String>> {
    let receivers: Vec<mpsc::Receiver<(Run, Run)>> = paths
        .iter()
        .map(|path| {
            let text = fs::read_to_string(path).expect("readable scenario");
            let (done, receiver) = mpsc::channel();
            std::thread::spawn(move || {
                let _ = done.send((run(&text), run(&text)));
            });
            receiver
        })
        .collect();
    let deadline = Instant::now() + TIMEOUT;
    receivers
        .iter()
        .map(|r| {
            let left = deadline.saturating_duration_since(Instant::now());
            r.recv_timeout(left).map_err(|e| match e {
                RecvTimeoutError::Timeout => {
                    format!("did not finish within {TIMEOUT:?}: is the simulation stuck?")
                }
                RecvTimeoutError::Disconnected => "panicked (see above)".to_string(),
            })
        })
        .collect()
}

/// A line diff of `expected` against `actual` (longest common subsequence),
/// with `-` for expected lines that are missing and `+` for new ones. For a
/// changed line, it also points at the first differing character, since the
/// lines are long JSON.
fn diff(expected: &str, actual: &str) -> String {
    let a: Vec<&str> = expected.lines().collect();
    let b: Vec<&str> = actual.lines().collect();
    // lcs[i][j]: length of the LCS of a[i..] and b[j..].
    let mut lcs = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for i in (0..a.len()).rev() {
        for j in (0..b.len()).rev() {
            lcs[i][j] = if a[i] == b[j] {
                lcs[i + 1][j + 1] + 1
            } else {
                lcs[i + 1][j].max(lcs[i][j + 1])
            };
        }
    }
    let mut text = String::new();
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        if i < a.len() && j < b.len() && a[i] == b[j] {
            let _ = writeln!(text, "  {}", a[i]);
            i += 1;
            j += 1;
        } else if i < a.len() && j < b.len() && lcs[i + 1][j + 1] == lcs[i][j] {
            // Both sides changed here (pairing them loses no common line):
            // show them as a pair.
            let _ = writeln!(text, "- {}", a[i]);
            let _ = writeln!(text, "+ {}", b[j]);
            let at = a[i]
                .bytes()
                .zip(b[j].bytes())
                .position(|(x, y)| x != y)
                .unwrap_or(a[i].len().min(b[j].len()));
            let context = |s: &str| {
                let start = s.floor_char_boundary_compat(at.saturating_sub(30));
                let end = s.floor_char_boundary_compat((at + 40).min(s.len()));
                s[start..end].to_string()
            };
            let _ = writeln!(
                text,
                "    first difference at column {}: expected …{}… got …{}…",
                at + 1,
                context(a[i]),
                context(b[j])
            );
            i += 1;
            j += 1;
        } else if j < b.len() && (i == a.len() || lcs[i][j + 1] >= lcs[i + 1][j]) {
            let _ = writeln!(text, "+ {}", b[j]);
            j += 1;
        } else {
            let _ = writeln!(text, "- {}", a[i]);
            i += 1;
        }
    }
    text
}

/// `str::floor_char_boundary` is not stable yet.
trait FloorCharBoundary {
    fn floor_char_boundary_compat(&self, index: usize) -> usize;
}

impl FloorCharBoundary for str {
    fn floor_char_boundary_compat(&self, mut index: usize) -> usize {
        index = index.min(self.len());
        while !self.is_char_boundary(index) {
            index -= 1;
        }
        index
    }
}

/// Checks one scenario from its two runs; returns a description of what is
/// wrong, if anything.
fn check(path: &Path, runs: Result<(Run, Run), String>, update: bool) -> Option<String> {
    let name = name_of(path);
    let (first, again) = match runs {
        Ok(r) => r,
        Err(why) => return Some(format!("{name}.ddg {why}")),
    };
    if first.stderr.contains("drawn at random") {
        return Some(format!(
            "{name}.ddg has no seed on its cluster line: golden output needs a fixed seed"
        ));
    }
    if first.code != 0 {
        return Some(format!(
            "{name}.ddg exited with code {} (0 expected)\n--- stderr:\n{}--- stdout:\n{}",
            first.code, first.stderr, first.stdout
        ));
    }
    if (again.code, &again.stdout, &again.stderr) != (first.code, &first.stdout, &first.stderr) {
        return Some(format!(
            "{name}.ddg is not deterministic: two runs printed different output\n{}",
            diff(&first.stdout, &again.stdout)
        ));
    }
    let golden = path.with_extension("out");
    if update {
        fs::write(&golden, &first.stdout).expect("writable golden file");
        return None;
    }
    let expected = match fs::read_to_string(&golden) {
        Ok(t) => t,
        Err(e) => {
            return Some(format!(
                "{name}.out cannot be read ({e}); create it with UPDATE_GOLDEN=1"
            ))
        }
    };
    if expected == first.stdout {
        return None;
    }
    Some(format!(
        "{name}: stdout differs from {name}.out (- expected, + actual); if the change is \
         intended, run UPDATE_GOLDEN=1 cargo test --release --test golden\n{}",
        diff(&expected, &first.stdout)
    ))
}

#[test]
fn every_scenario_passes_and_prints_its_golden_output() {
    let update = std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1");
    let paths = scenarios();
    let names: Vec<String> = paths.iter().map(|p| name_of(p)).collect();
    for required in REQUIRED {
        assert!(
            names.iter().any(|n| n == required),
            "tests/scenarios/{required}.ddg is missing (found: {names:?})"
        );
    }
    let failures: Vec<String> = paths
        .iter()
        .zip(run_all(&paths))
        .filter_map(|(path, runs)| check(path, runs, update))
        .collect();
    assert!(
        failures.is_empty(),
        "{} of {} scenarios failed:\n\n{}",
        failures.len(),
        paths.len(),
        failures.join("\n\n")
    );
}

#[test]
fn every_golden_output_belongs_to_a_scenario() {
    for entry in fs::read_dir(scenario_dir()).expect("tests/scenarios exists") {
        let path = entry.expect("readable directory entry").path();
        if path.extension().is_some_and(|e| e == "out") {
            assert!(
                path.with_extension("ddg").exists(),
                "{} has no scenario: remove it or restore {}.ddg",
                path.display(),
                name_of(&path)
            );
        }
    }
}

#[test]
fn the_diff_shows_what_changed() {
    let d = diff("a\nb\nc\n", "a\nB\nc\nd\n");
    assert_eq!(
        d,
        "  a\n- b\n+ B\n    first difference at column 1: expected …b… got …B…\n  c\n+ d\n"
    );
    assert_eq!(diff("x\ny\n", "y\n"), "- x\n  y\n");
}
