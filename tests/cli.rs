//! The `ddg` command line as a user meets it: exit codes, the one-line error
//! format, standard input, drawn seeds, `--trace` and determinism.
//!
//! Every test runs the real binary (`CARGO_BIN_EXE_ddg`).
#![cfg(not(target_arch = "wasm32"))]

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// No scenario here needs more than a fraction of a second; a run that takes
/// longer than this is stuck.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What one run of `ddg` did.
#[derive(Debug, PartialEq, Eq)]
struct Output {
    /// The exit code; `None` if a signal ended it (a panic aborts).
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `ddg ARGS`, feeding `stdin`, and fails the test if it does not end
/// within [`TIMEOUT`].
fn ddg(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_ddg"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("ddg starts");
    let mut input = child.stdin.take().expect("piped stdin");
    let text = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        // The child may exit without reading everything: ignore a broken pipe.
        let _ = input.write_all(text.as_bytes());
    });
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stdout, &mut s).expect("UTF-8 stdout");
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        std::io::Read::read_to_string(&mut stderr, &mut s).expect("UTF-8 stderr");
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("waitable child") {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!("`ddg {}` did not finish within {TIMEOUT:?}", args.join(" "));
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    writer.join().expect("stdin writer");
    Output {
        code: status.code(),
        stdout: out_reader.join().expect("stdout reader"),
        stderr: err_reader.join().expect("stderr reader"),
    }
}

/// Writes `text` to a fresh file and returns its path.
fn scenario_file(text: &str) -> PathBuf {
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let n = COUNTER.fetch_add(1, Ordering::Relaxed);
    let path = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("cli-{}-{n}.ddg", std::process::id()));
    std::fs::write(&path, text).expect("writable temp file");
    path
}

/// `ddg run FILE` with `text` in FILE.
fn run_file(text: &str, extra: &[&str]) -> Output {
    let path = scenario_file(text);
    let path_str = path.to_str().expect("UTF-8 path");
    let mut args = vec!["run"];
    args.extend_from_slice(extra);
    args.push(path_str);
    let out = ddg(&args, "");
    let _ = std::fs::remove_file(&path);
    out
}

/// Asserts that a run was refused as bad input: exit code 2, nothing on
/// stdout, and exactly one line on stderr, `error: line N: …` with the reason
/// containing `reason`.
fn assert_error(what: &str, text: &str, line: usize, reason: &str) {
    let out = run_file(text, &[]);
    let context = format!("{what}\n--- scenario:\n{text}--- got: {out:#?}");
    assert_eq!(out.code, Some(2), "exit code 2 expected: {context}");
    assert!(!out.stderr.contains("panicked"), "ddg panicked: {context}");
    let lines: Vec<&str> = out.stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line on stderr: {context}");
    let prefix = format!("error: line {line}: ");
    assert!(
        lines[0].starts_with(&prefix),
        "stderr should start with `{prefix}`: {context}"
    );
    assert!(
        lines[0][prefix.len()..].contains(reason),
        "the reason should mention `{reason}`: {context}"
    );
    assert!(
        out.stderr.ends_with('\n'),
        "the error line ends with a newline: {context}"
    );
    assert_eq!(out.stdout, "", "nothing on stdout: {context}");
}

const HEADER: &str = "cluster nodes=5 seed=1\n";

#[test]
fn every_documented_kind_of_bad_input_is_one_error_line_with_its_line_number() {
    let cases: &[(&str, &str, usize, &str)] = &[
        (
            "unknown command",
            "cluster nodes=5 seed=1\nrun 1s\nfly n1\n",
            3,
            "unknown command `fly`",
        ),
        (
            "unknown key on the cluster line",
            "cluster nodes=5 seed=1 speed=3\n",
            1,
            "`speed` is not a cluster key",
        ),
        (
            "unknown key in set",
            "cluster nodes=5 seed=1\nrun 1s\nset speed=3\n",
            3,
            "`speed` is not a setting",
        ),
        (
            "a node that does not exist",
            "cluster nodes=5 seed=1\n\n# n6 is one too many\nkill n6\n",
            4,
            "`n6` does not exist: the cluster has 5 nodes",
        ),
        (
            "a node that does not exist, in a condition",
            "cluster nodes=3 seed=1\nrun 1s\nexpect n4.role = duck\n",
            3,
            "`n4` does not exist: the cluster has 3 nodes",
        ),
        (
            "a node that does not exist, in a partition",
            "cluster nodes=5 seed=1\npartition n1,n2 | n7\n",
            2,
            "`n7` does not exist",
        ),
        (
            "a node that is not a node name",
            "cluster nodes=5 seed=1\nisolate bob\n",
            2,
            "`bob` is not a node",
        ),
        (
            "a duration with no unit",
            "cluster nodes=5 seed=1\nrun 2\n",
            2,
            "`2` has no unit",
        ),
        (
            "a duration with a bad unit",
            "cluster nodes=5 seed=1\nrun 2x\n",
            2,
            "`x` in `2x` is not a unit",
        ),
        (
            "a duration that is not a number",
            "cluster nodes=5 seed=1 heartbeat=1.5.2ms\n",
            1,
            "`1.5.2` is not a number",
        ),
        (
            "a negative duration",
            "cluster nodes=5 seed=1\nrun -1s\n",
            2,
            "negative",
        ),
        (
            "a duration finer than a microsecond",
            "cluster nodes=5 seed=1\nrun 1.5us\n",
            2,
            "more precise than allowed",
        ),
        (
            "a range whose minimum is above its maximum, on the cluster line",
            "cluster nodes=5 seed=1 election=300ms..150ms\n",
            1,
            "the minimum is above the maximum",
        ),
        (
            "a range whose minimum is above its maximum, in set",
            "cluster nodes=5 seed=1\nrun 1s\nset latency=20ms..10ms\n",
            3,
            "the minimum is above the maximum",
        ),
        (
            "nodes=0",
            "cluster nodes=0 seed=1\n",
            1,
            "nodes=0: a cluster has 1 to 101 nodes",
        ),
        (
            "too many nodes",
            "cluster nodes=102\n",
            1,
            "a cluster has 1 to 101 nodes",
        ),
        (
            "loss above 100% on the cluster line",
            "cluster nodes=5 seed=1 loss=150%\n",
            1,
            "`150%` is above 100%",
        ),
        (
            "loss above 100% in set",
            "cluster nodes=5 seed=1\nrun 1s\nset loss=150%\n",
            3,
            "`150%` is above 100%",
        ),
        (
            "no cluster line",
            "run 1s\nstatus\n",
            1,
            "a scenario starts with a cluster line",
        ),
        (
            "no cluster line after comments and blank lines",
            "# a scenario\n\n# forgot its cluster line\nrun 1s\n",
            4,
            "a scenario starts with a cluster line",
        ),
        (
            "an empty scenario",
            "# nothing but a comment\n\n",
            1,
            "the scenario is empty",
        ),
        (
            "a second cluster line",
            "cluster nodes=5 seed=1\nrun 1s\ncluster nodes=3\n",
            3,
            "cluster may only be the first line",
        ),
        (
            "`goose` when there is no goose",
            "cluster nodes=5 seed=1\nkill goose\n",
            2,
            "`goose` names nobody: there is no goose now",
        ),
        (
            "`goose` when there is no goose, after the goose died",
            "cluster nodes=5 seed=1\nrun 1s\nkill goose\nisolate goose\n",
            4,
            "`goose` names nobody",
        ),
        (
            "an expect that cannot be parsed",
            "cluster nodes=5 seed=1\nrun 1s\nexpect goose\n",
            3,
            "is not a condition",
        ),
    ];
    for &(what, text, line, reason) in cases {
        assert_error(what, text, line, reason);
    }
}

#[test]
fn odd_lines_are_errors_never_panics() {
    // Each goes on line 3, after a run, so the cluster exists and has a goose.
    let odd = [
        "expect",
        "expect =",
        "expect goose =",
        "expect = n1",
        "expect goose == n1",
        "expect geese ! 1",
        "expect n1.role > duck",
        "expect n1.term = -1",
        "expect t = 1",
        "expect stats.nothing = 1",
        "expect violations.nothing = 0",
        "expect n1. = duck",
        "expect .role = duck",
        "expect é = 1",
        "run",
        "run 1s until",
        "run 1s always geese",
        "run 1s sometimes geese = 1",
        "run 99999999999999999999999s",
        "run 86401s",
        "run 1e3ms",
        "partition |",
        "partition ,",
        "partition goose | n2",
        "partition n1 | n1",
        "kill n0",
        "kill n4294967296",
        "kill N1",
        "kill n1 amnesia extra",
        "drop m",
        "drop m-1",
        "drop m99999999999999999999999",
        "set",
        "set loss=",
        "set loss=-5%",
        "set election=0ms..1ms",
        "set election=1ms..61s",
        "set heartbeat=0.5ms",
        "set election=..",
        "set checkquorum=ON",
        "set nodes=3",
        "status now",
        "heal everything",
        "ééé",
        "kill é",
    ];
    for line in odd {
        let text = format!("{HEADER}run 1s\n{line}\n");
        let out = run_file(&text, &[]);
        assert_eq!(out.code, Some(2), "`{line}`: {out:#?}");
        let lines: Vec<&str> = out.stderr.lines().collect();
        assert_eq!(lines.len(), 1, "`{line}`: {out:#?}");
        assert!(
            lines[0].starts_with("error: line 3: "),
            "`{line}`: {out:#?}"
        );
        assert_eq!(out.stdout, "", "`{line}`: {out:#?}");
    }
}

#[test]
fn a_syntax_error_on_a_late_line_stops_the_run_before_anything_is_printed() {
    let text = "\
cluster nodes=5 seed=1
run 1s
status
stats
kill goose
run 2s
status
stats

# and then, much later, a typo
run 1s
stauts
";
    let out = run_file(text, &[]);
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert_eq!(
        out.stdout, "",
        "the whole file is checked before anything runs"
    );
    assert_eq!(
        out.stderr.lines().collect::<Vec<_>>(),
        [
            "error: line 12: unknown command `stauts`: the commands are cluster, run, kill, \
          revive, timeout, isolate, reconnect, partition, cut, uncut, heal, set, drop, request, \
          status, stats, expect, say"
        ]
    );
    // The same file with the typo fixed prints its two statuses and stats.
    let fixed = run_file(&text.replace("stauts", "status"), &[]);
    assert_eq!(fixed.code, Some(0), "{fixed:#?}");
    assert_eq!(fixed.stdout.lines().count(), 5, "{fixed:#?}");
}

#[test]
fn a_runtime_error_stops_the_run_but_keeps_what_was_printed() {
    // `goose` is only resolved when the line runs: the output before it stays.
    let out = run_file("cluster nodes=5 seed=1\nstatus\nkill goose\nstatus\n", &[]);
    assert_eq!(out.code, Some(2), "{out:#?}");
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "only the first status: {out:#?}"
    );
    assert!(out.stdout.starts_with("{\"t_us\":0,"), "{out:#?}");
    assert_eq!(
        out.stderr,
        "error: line 3: `goose` names nobody: there is no goose now\n"
    );
}

#[test]
fn a_failed_expect_exits_1_and_says_where_and_what_it_found() {
    // With seed 1, n2 is goose at 1s (see tests/scenarios/first_election.ddg).
    let out = run_file(
        "cluster nodes=5 seed=1\nrun 1s\nstatus\nexpect goose = n1\nstatus\n",
        &[],
    );
    assert_eq!(out.code, Some(1), "{out:#?}");
    assert_eq!(
        out.stderr,
        "expect failed: line 4: `goose = n1` does not hold at 1s: it is n2 (seed 1)\n"
    );
    assert_eq!(
        out.stdout.lines().count(),
        1,
        "the run stops at the failed expect: {out:#?}"
    );

    // The same expectation, true, passes.
    let ok = run_file("cluster nodes=5 seed=1\nrun 1s\nexpect goose = n2\n", &[]);
    assert_eq!(ok.code, Some(0), "{ok:#?}");
    assert_eq!((ok.stdout.as_str(), ok.stderr.as_str()), ("", ""));
}

#[test]
fn a_watched_run_that_fails_exits_1() {
    // No goose can appear within 100ms: every timer is at least 150ms.
    let until = run_file("cluster nodes=5 seed=1\nrun 100ms until geese = 1\n", &[]);
    assert_eq!(until.code, Some(1), "{until:#?}");
    assert!(
        until
            .stderr
            .starts_with("expect failed: line 2: `geese = 1` did not happen within 100ms"),
        "{until:#?}"
    );
    // There is no goose at the start, so `always geese = 1` breaks at once.
    let always = run_file("cluster nodes=5 seed=1\nrun 1s always geese = 1\n", &[]);
    assert_eq!(always.code, Some(1), "{always:#?}");
    assert!(
        always
            .stderr
            .starts_with("expect failed: line 2: `geese = 1` stopped holding"),
        "{always:#?}"
    );
    // And a property that holds passes.
    let holds = run_file(
        "cluster nodes=5 seed=1\nrun 1s until geese = 1\nrun 2s always geese = 1\n",
        &[],
    );
    assert_eq!(holds.code, Some(0), "{holds:#?}");
}

#[test]
fn a_dash_reads_the_scenario_from_standard_input() {
    let text = "cluster nodes=5 seed=3\nrun 1s\nstatus\nstats\n";
    let from_stdin = ddg(&["run", "-"], text);
    assert_eq!(from_stdin.code, Some(0), "{from_stdin:#?}");
    assert_eq!(from_stdin.stdout.lines().count(), 2, "{from_stdin:#?}");
    let from_file = run_file(text, &[]);
    assert_eq!(from_stdin, from_file);
    // Errors from standard input are reported the same way.
    let bad = ddg(&["run", "-"], "cluster nodes=5 seed=3\nrun 1s\nfly\n");
    assert_eq!(bad.code, Some(2), "{bad:#?}");
    assert!(bad
        .stderr
        .starts_with("error: line 3: unknown command `fly`"));
}

/// The seed a run drew, from its `seed: N (drawn at random; …)` line.
fn drawn_seed(stderr: &str) -> u64 {
    let line = stderr
        .lines()
        .find(|l| l.starts_with("seed: "))
        .unwrap_or_else(|| panic!("no drawn seed reported on stderr: {stderr:?}"));
    let seed: u64 = line["seed: ".len()..]
        .split_whitespace()
        .next()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no number in {line:?}"));
    assert!(
        line.contains(&format!("add seed={seed} to the cluster line")),
        "the line says how to replay: {line:?}"
    );
    seed
}

#[test]
fn a_run_without_a_seed_reports_the_drawn_seed_and_that_seed_replays_it() {
    let body = "run 1s\nkill goose\nrun 1s\nstatus\nstats\n";
    let first = run_file(&format!("cluster nodes=5\n{body}"), &[]);
    assert_eq!(first.code, Some(0), "{first:#?}");
    assert_eq!(first.stderr.lines().count(), 1, "{first:#?}");
    let seed = drawn_seed(&first.stderr);
    assert!(
        first.stdout.contains(&format!("\"seed\":{seed},")),
        "stats shows the same seed: {first:#?}"
    );

    let replay = run_file(&format!("cluster nodes=5 seed={seed}\n{body}"), &[]);
    assert_eq!(replay.code, Some(0), "{replay:#?}");
    assert_eq!(replay.stderr, "", "a seeded run reports no seed");
    assert_eq!(
        replay.stdout, first.stdout,
        "seed {seed} replays the same status and stats"
    );

    // Another unseeded run draws another seed (the chance of drawing the same
    // one twice is 2^-53).
    let second = run_file(&format!("cluster nodes=5\n{body}"), &[]);
    assert_ne!(drawn_seed(&second.stderr), seed);
}

#[test]
fn trace_prints_human_readable_lines_around_the_json() {
    let text = "cluster nodes=5 seed=1\nrun 1s\nstatus\nkill n2\nrun 500ms\nstats\n";
    let plain = run_file(text, &[]);
    let traced = run_file(text, &["--trace"]);
    assert_eq!(traced.code, Some(0), "{traced:#?}");
    assert_eq!(traced.stderr, "");
    // The JSON lines are the same, in the same order, with the trace around.
    let json: Vec<&str> = traced
        .stdout
        .lines()
        .filter(|l| l.starts_with('{'))
        .collect();
    assert_eq!(json, plain.stdout.lines().collect::<Vec<_>>());
    let trace: Vec<&str> = traced
        .stdout
        .lines()
        .filter(|l| !l.starts_with('{'))
        .collect();
    assert!(
        trace.len() > 100,
        "a trace line per happening: {}",
        trace.len()
    );
    // Every trace line starts with the simulated time in milliseconds.
    for line in &trace {
        let (time, rest) = line.trim_start().split_once("ms  ").unwrap_or_else(|| {
            panic!("a trace line starts with its time: {line:?}");
        });
        assert!(time.parse::<f64>().is_ok() && !rest.is_empty(), "{line:?}");
    }
    // And says in words what happened (seed 1: n2 wins term 1 at 194.55ms).
    for expected in [
        "     170.633ms  n2  timed out and became a candidate for term 1",
        "     181.416ms  n4  voted for n2 in term 1",
        "     194.550ms  n2  won term 1 with 3 votes: goose",
        "    1000.000ms  ** n2 was killed",
    ] {
        assert!(trace.contains(&expected), "the trace contains {expected:?}");
    }
    assert!(trace
        .iter()
        .any(|l| l.contains("n2 -> n1  heartbeat t1  m")));
    assert!(trace.iter().any(|l| l.contains("lost: receiver is dead")));
    // The status line comes after everything up to 1s and before the kill.
    let status = traced.stdout.find("{\"t_us\":1000000").expect("status");
    let kill = traced.stdout.find("** n2 was killed").expect("kill");
    assert!(status < kill);
}

#[test]
fn the_same_file_twice_gives_byte_identical_output() {
    let text = "\
cluster nodes=7 seed=99 loss=5%
run 2s
partition n1,n2,n3 | n4,n5
run 1s
kill n1
heal
run 2s
status
stats
";
    for extra in [&[][..], &["--trace"][..]] {
        let a = run_file(text, extra);
        let b = run_file(text, extra);
        assert_eq!(a.code, Some(0), "{a:#?}");
        assert!(!a.stdout.is_empty());
        assert!(
            a.stdout.as_bytes() == b.stdout.as_bytes() && a.stderr == b.stderr,
            "two runs of the same file differ (args {extra:?})"
        );
    }
}

#[test]
fn usage_errors_exit_2() {
    // clap's wording: the error names the bad argument, then the usage line.
    for (args, why) in [
        (&[][..], "Usage: ddg"),
        (&["fly"][..], "unrecognized subcommand 'fly'"),
        (
            &["run"][..],
            "the following required arguments were not provided",
        ),
        (
            &["run", "--fast", "x.ddg"][..],
            "unexpected argument '--fast'",
        ),
        (
            &["sweep", "--sedes", "2"][..],
            "unexpected argument '--sedes'",
        ),
        (
            &["sweep", "--seeds", "0"][..],
            "invalid value '0' for '--seeds",
        ),
        (
            &["sweep", "--seeds", "two"][..],
            "invalid value 'two' for '--seeds",
        ),
        (
            &["sweep", "--nodes", "102"][..],
            "invalid value '102' for '--nodes",
        ),
        (&["bench", "--slow"][..], "unexpected argument '--slow'"),
    ] {
        let out = ddg(args, "");
        assert_eq!(out.code, Some(2), "{args:?}: {out:#?}");
        assert!(out.stderr.contains(why), "{args:?}: {out:#?}");
        assert!(
            out.stderr.contains("Usage:") || out.stderr.contains("try '--help'"),
            "{args:?}: {out:#?}"
        );
    }
    // Seeds past u64::MAX are refused, not wrapped into an empty run.
    let wrap = ddg(
        &["sweep", "--first", "18446744073709551615", "--seeds", "2"],
        "",
    );
    assert_eq!(wrap.code, Some(2), "{wrap:#?}");
    assert!(wrap.stderr.contains("past the largest seed"), "{wrap:#?}");
    for sub in ["run", "bench", "sweep"] {
        let help = ddg(&[sub, "--help"], "");
        assert_eq!(help.code, Some(0), "{sub} --help: {help:#?}");
        assert!(
            help.stdout.contains("Usage: ddg"),
            "{sub} --help: {help:#?}"
        );
    }
    let missing = ddg(&["run", "/nonexistent/scenario.ddg"], "");
    assert_eq!(missing.code, Some(2), "{missing:#?}");
    assert!(
        missing
            .stderr
            .starts_with("error: cannot read /nonexistent/scenario.ddg"),
        "{missing:#?}"
    );
}

#[test]
fn output_that_cannot_be_written_is_an_error() {
    // Issue 11 §1: `ddg run x.ddg > /dev/full` must not look like success.
    if !std::path::Path::new("/dev/full").exists() {
        return;
    }
    let file = scenario_file("cluster nodes=3 seed=1\nrun 1s\nstatus\n");
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .expect("/dev/full opens");
    let out = Command::new(env!("CARGO_BIN_EXE_ddg"))
        .args(["run", file.to_str().unwrap()])
        .stdout(full)
        .output()
        .expect("ddg runs");
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        stderr.matches("error: cannot write the output").count(),
        1,
        "{stderr}"
    );
}

#[test]
fn input_above_the_cap_is_refused_and_a_flag_raises_the_cap() {
    let text = format!("cluster nodes=3 seed=1\n{}run 1s\n", "# pad\n".repeat(200));
    let o = ddg(&["run", "--max-input-bytes", "100", "-"], &text);
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(o.stderr.contains("larger than 100 bytes"), "{o:?}");
    let o = ddg(&["run", "--max-input-bytes", "100000", "-"], &text);
    assert_eq!(o.code, Some(0), "{o:?}");
}

#[test]
fn a_byte_order_mark_is_accepted() {
    let o = ddg(&["run", "-"], "\u{feff}cluster nodes=3 seed=1\nrun 1s\n");
    assert_eq!(o.code, Some(0), "{o:?}");
}

#[test]
fn unstable_settings_are_warned_about_on_stderr_for_the_cluster_and_each_set() {
    let o = ddg(
        &["run", "-"],
        "cluster nodes=3 seed=1 latency=80ms\nrun 1s\nset latency=10ms\nset heartbeat=200ms\n",
    );
    assert_eq!(o.code, Some(0), "{o:?}");
    let warnings: Vec<&str> = o
        .stderr
        .lines()
        .filter(|l| l.starts_with("warning:"))
        .collect();
    assert!(
        warnings[0]
            .starts_with("warning: The election timeout (150ms) is not above the round trip"),
        "{o:?}"
    );
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("warning: line 4: Heartbeats (200ms)")),
        "{o:?}"
    );
    assert!(
        !warnings.iter().any(|w| w.starts_with("warning: line 3")),
        "the defaults are stable: {o:?}"
    );
    assert!(o.stdout.is_empty());
}

#[test]
fn sweep_counts_runs_and_seeds_separately() {
    let o = ddg(&["sweep", "--seeds", "2", "--first", "5"], "");
    assert_eq!(o.code, Some(0), "{o:?}");
    let last = o.stdout.lines().last().unwrap_or_default();
    assert!(
        last.starts_with("2 seeds x 3 option sets = 6 runs: 0 runs failed, on 0 seeds ("),
        "{last}"
    );
}

#[test]
fn a_run_line_past_its_event_budget_stops_with_a_clear_error_after_streaming_its_trace() {
    let o = ddg(
        &["run", "--trace", "--max-events", "1000", "-"],
        "cluster nodes=5 seed=1\nrun 86400s\nstatus\n",
    );
    assert_eq!(o.code, Some(2), "{o:?}");
    assert!(
        o.stderr.contains("error: line 2: this run line stopped at")
            && o.stderr
                .contains("more than the limit of 1000 (raise it with --max-events)"),
        "{}",
        o.stderr
    );
    // The trace up to the stop was written as the run went.
    assert!(
        o.stdout.lines().count() > 1000,
        "{} lines",
        o.stdout.lines().count()
    );
    assert!(!o.stdout.contains("\"nodes\""), "no status after the error");
}
