//! `ddg experiment` as a user meets it: tables on standard output, files
//! written, the same seed giving the same output, no progress bar when
//! piped, and bad settings refused with exit code 2.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Scratch;

use std::process::Command;

/// What one run of `ddg` did: exit code, stdout, stderr.
fn ddg(args: &[&str]) -> (Option<i32>, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_ddg"))
        .args(args)
        .output()
        .expect("ddg runs");
    (
        out.status.code(),
        String::from_utf8(out.stdout).expect("UTF-8 stdout"),
        String::from_utf8(out.stderr).expect("UTF-8 stderr"),
    )
}

#[test]
fn fig16_prints_both_panels_beside_the_paper_and_writes_csv_and_svg() {
    let dir = Scratch::new("experiment-fig16");
    let (csv, svg) = (dir.path().join("fig16.csv"), dir.path().join("fig16.svg"));
    let args = [
        "experiment",
        "fig16",
        "--trials",
        "20",
        "--seed",
        "4",
        "--csv",
        csv.to_str().unwrap(),
        "--svg",
        svg.to_str().unwrap(),
    ];
    let (code, stdout, stderr) = ddg(&args);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("Top panel") && stdout.contains("Bottom panel"));
    for range in [
        "150-150 ", "150-151 ", "150-155 ", "12-24 ", "25-50 ", "100-200 ",
    ] {
        assert!(
            stdout.lines().any(|l| l.starts_with(range)),
            "no row for {range}:\n{stdout}"
        );
    }
    // The paper's 150-155 median, read from the data file, is in the table.
    assert!(stdout.contains("287.3"), "{stdout}");
    assert!(
        !stderr.contains('\r'),
        "no progress bar when piped: {stderr:?}"
    );
    let csv_text = std::fs::read_to_string(&csv).expect("csv written");
    // Ten distinct ranges: nine of 20 trials and 150-150 with a tenth.
    assert_eq!(csv_text.lines().count(), 1 + 9 * 20 + 2);
    assert!(csv_text.starts_with("range_ms,trial,seed,"));
    let svg_text = std::fs::read_to_string(&svg).expect("svg written");
    assert!(svg_text.starts_with("<svg") && svg_text.trim_end().ends_with("</svg>"));
    assert_eq!(
        svg_text.matches("<path").count(),
        2 * (6 + 5),
        "ours and the paper's, per curve"
    );
    // The same seed gives the same table.
    let (_, again, _) = ddg(&args);
    assert_eq!(stdout, again);
}

#[test]
fn splitvote_puts_formula_paper_and_simulation_side_by_side() {
    let (code, stdout, stderr) = ddg(&["experiment", "splitvote", "--trials", "3000"]);
    assert_eq!(code, Some(0), "{stderr}");
    let row = stdout
        .lines()
        .find(|l| l.starts_with("fixed 10 ms"))
        .unwrap_or_else(|| panic!("no 10 ms row:\n{stdout}"));
    assert!(row.contains("5.230%") && row.contains("5.23%"), "{row}");
    assert!(stdout.lines().any(|l| l.starts_with("10-20 ms")));
}

#[test]
fn failover_takes_any_settings_and_refuses_bad_ones() {
    let (code, stdout, stderr) = ddg(&[
        "experiment",
        "failover",
        "--trials",
        "30",
        "--election",
        "100ms..200ms",
        "--heartbeat",
        "40ms",
        "--disk",
        "2ms..4ms",
        "--checkquorum",
        "off",
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stdout.contains("election=100ms..200ms heartbeat=40ms"),
        "{stdout}"
    );
    assert!(stdout.contains("disk=2ms..4ms"), "{stdout}");
    assert!(stdout.contains("0 of 30 trials found no goose"), "{stdout}");
    for bad in [
        &["experiment", "failover", "--disk", "6ms..3ms"][..],
        &["experiment", "failover", "--checkquorum", "maybe"][..],
        &["experiment", "fig16", "--jitter", "fast"][..],
        &["experiment", "nonsense"][..],
        &["experiment", "splitvote", "--trials", "0"][..],
    ] {
        let (code, _, stderr) = ddg(bad);
        assert_eq!(code, Some(2), "{bad:?}: {stderr}");
        assert!(stderr.contains("error"), "{bad:?}: {stderr}");
    }
}

#[test]
fn run_writes_one_csv_row_per_decided_election() {
    let dir = Scratch::new("experiment-elections");
    let csv = dir.path().join("elections.csv");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/scenarios/election_records.ddg"
    );
    let (code, _, stderr) = ddg(&["run", "--elections", csv.to_str().unwrap(), scenario]);
    assert_eq!(code, Some(0), "{stderr}");
    // The live node's revival and the lenient watch each warn exactly once.
    assert_eq!(stderr.matches("n1 is already alive").count(), 1, "{stderr}");
    assert_eq!(
        stderr.matches("did not happen within 1s").count(),
        1,
        "{stderr}"
    );
    let text = std::fs::read_to_string(&csv).expect("csv written");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("term,started_us,candidates,winner,votes,split,goose_lost,time_to_win_us,time_to_heartbeat_us")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    assert!(rows.len() >= 2, "{text}");
    assert!(rows.iter().all(|r| r.len() == 9), "{text}");
    assert_eq!(rows[0][6], "start", "the first election follows the start");
    let won: Vec<&Vec<&str>> = rows.iter().filter(|r| !r[3].is_empty()).collect();
    assert_eq!(won.len(), 2, "two geese were elected: {text}");
    assert_eq!(won[1][6], "killed", "{text}");
    for r in &won {
        let (win, heard): (u64, u64) = (r[7].parse().unwrap(), r[8].parse().unwrap());
        assert!(heard > win, "a heartbeat arrives after the win: {text}");
    }
}

/// `stats` prints summaries, not every time so far: over a long run its line
/// stays the same size, so a script with a `stats` per round prints a
/// linear, not quadratic, amount.
#[test]
fn stats_lines_do_not_grow_with_the_run() {
    let mut script = String::from("cluster nodes=5 seed=3\n");
    for _ in 0..150 {
        script += "run 1s\nkill goose\nrun 1s\nrevive dead\nstats\n";
    }
    let dir = Scratch::new("experiment-long");
    let path = dir.path().join("long.ddg");
    std::fs::write(&path, script).unwrap();
    let (code, stdout, stderr) = ddg(&["run", path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 150);
    assert!(lines[149].contains("\"count\":"), "{}", lines[149]);
    assert!(
        lines[149].len() < lines[0].len() + 100,
        "the 150th stats line ({} bytes) grew from the first ({} bytes)",
        lines[149].len(),
        lines[0].len()
    );
}
