//! Time travel must be exact: a moment seen again is the same moment.

use super::*;
use crate::sim::Status;

fn spec(line: &str) -> ClusterSpec {
    match parse_command(line, 101) {
        Ok(Some(Command::Cluster(spec))) => spec,
        other => panic!("{other:?}"),
    }
}

/// A run with faults at odd instants, advanced in uneven frames as the page
/// does, with the status recorded at every frame.
fn played() -> (Timeline, Vec<Status>) {
    let mut tl = Timeline::new(&spec("cluster nodes=5 seed=9 loss=3%"), 0);
    let mut seen = Vec::new();
    let mut t = 0;
    for frame in 0..400u64 {
        t += 3_000 + (frame * 7_919) % 13_000;
        tl.advance_to(t);
        match frame {
            60 => drop(tl.exec_line("kill goose").unwrap()),
            130 => drop(tl.exec_line("partition n1,n2 | n3,n4,n5").unwrap()),
            200 => drop(tl.exec_line("heal").unwrap()),
            250 => drop(tl.exec_line("set election=100ms..200ms").unwrap()),
            300 => drop(tl.exec_line("revive n1").unwrap()),
            301 => drop(tl.exec_line("revive n2").unwrap()),
            _ => {}
        }
        seen.push(tl.sim().status());
    }
    (tl, seen)
}

#[test]
fn seeking_shows_exactly_the_moment_that_was_seen() {
    let (mut tl, seen) = played();
    let end = tl.end();
    // Back and forth, in an order unlike the original.
    for i in [
        399usize, 3, 250, 131, 60, 61, 0, 398, 200, 201, 300, 302, 129, 130,
    ] {
        tl.seek(seen[i].t_us);
        assert_eq!(
            tl.sim().status(),
            seen[i],
            "frame {i} at {}us",
            seen[i].t_us
        );
    }
    assert_eq!(tl.end(), end, "seeking does not move the end");
    tl.seek(end);
    assert!(tl.is_live());
}

#[test]
fn playing_forward_from_the_past_replays_the_tape() {
    let (mut tl, seen) = played();
    tl.seek(seen[50].t_us);
    let change = tl.advance_to(seen[350].t_us);
    assert!(
        change.records.is_empty(),
        "nothing new happened: it was all seen before"
    );
    assert_eq!(tl.sim().status(), seen[350]);
}

#[test]
fn stepping_back_and_forward_one_event_returns_to_the_same_state() {
    let (mut tl, seen) = played();
    tl.seek(seen[140].t_us);
    let here = tl.sim().status();
    let events = tl.sim().stats().events;
    tl.step_back();
    assert_eq!(tl.sim().stats().events, events - 1, "one event back");
    assert!(tl.sim().now() <= here.t_us);
    tl.step();
    assert_eq!(tl.sim().stats().events, events);
    // Stepping forward again lands on the recorded future.
    tl.step();
    let t = tl.sim().now();
    let after = tl.sim().status();
    tl.seek(t);
    assert_eq!(tl.sim().status(), after);
}

#[test]
fn acting_in_the_past_forks_and_drops_the_old_future() {
    let (mut tl, seen) = played();
    let tape = tl.tape().len();
    tl.seek(seen[100].t_us);
    let (_, change) = tl.exec_line("isolate n4").unwrap();
    assert!(change.forked);
    assert_eq!(tl.end(), seen[100].t_us);
    assert_eq!(
        tl.tape().len(),
        2,
        "kill, then the new isolate; {tape} before"
    );
    assert_eq!(tl.tape()[1].line, "isolate n4");
    assert!(tl.markers().iter().all(|m| m.t <= seen[100].t_us));
    // The new future is recorded and can be seen again.
    tl.advance_to(seen[100].t_us + 2 * SECOND);
    let later = tl.sim().status();
    tl.seek(seen[100].t_us + 500 * MS);
    tl.seek(seen[100].t_us + 2 * SECOND);
    assert_eq!(tl.sim().status(), later);
    // Acting at the head does not fork.
    let (_, change) = tl.exec_line("heal").unwrap();
    assert!(!change.forked);
}

#[test]
fn the_exported_script_replays_the_same_run_under_ddg_run() {
    let (tl, seen) = played();
    let script = tl.script() + "status\n";
    assert!(
        script.contains("kill n"),
        "`kill goose` is recorded as the node: {script}"
    );
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code = crate::script::run_script(&script, 0, false, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let status = serde_json::to_string(&seen[399]).unwrap();
    assert_eq!(String::from_utf8(out).unwrap().trim(), status);
}

#[test]
fn loading_a_script_gives_the_same_timeline() {
    let (tl, seen) = played();
    let (mut loaded, warnings) = Timeline::load(&tl.script(), 0, Budget::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(loaded.end(), tl.end());
    assert_eq!(loaded.tape(), tl.tape());
    loaded.seek(seen[222].t_us);
    assert_eq!(loaded.sim().status(), seen[222]);
}

#[test]
fn each_happening_is_reported_once_however_the_run_is_watched() {
    let straight = {
        let mut tl = Timeline::new(&spec("cluster nodes=5 seed=4"), 0);
        let mut all = tl.advance_to(3 * SECOND).records;
        all.extend(tl.exec_line("kill goose").unwrap().1.records);
        all.extend(tl.advance_to(6 * SECOND).records);
        all
    };
    let mut tl = Timeline::new(&spec("cluster nodes=5 seed=4"), 0);
    let mut all = tl.advance_to(3 * SECOND).records;
    all.extend(tl.exec_line("kill goose").unwrap().1.records);
    all.extend(tl.advance_to(4 * SECOND).records);
    tl.seek(SECOND);
    all.extend(tl.advance_to(3_500 * MS).records);
    tl.step_back();
    all.extend(tl.step().records);
    all.extend(tl.advance_to(6 * SECOND).records);
    assert_eq!(all, straight);
}

#[test]
fn markers_note_elections_kills_partitions_and_violations() {
    let text = "cluster nodes=3 seed=2\nrun 1s\nkill goose\nrun 1s\nisolate n1\npartition n2 | n3\nrun 1s\n";
    let (tl, _) = Timeline::load(text, 0, Budget::default()).unwrap();
    let kinds: Vec<MarkerKind> = tl.markers().iter().map(|m| m.kind).collect();
    assert!(kinds.contains(&MarkerKind::Elected));
    assert!(kinds.contains(&MarkerKind::Killed));
    assert!(kinds.contains(&MarkerKind::Partition));
    // Lesson 7's run: a node that lost its disk votes twice in term 1.
    let amnesia = "cluster nodes=3 seed=7 checkquorum=off\nkill n3\nrun 1s\nkill n1 amnesia\n\
                   revive n1\nrevive n3\nisolate n2\ntimeout n3\nrun 100ms\n";
    let (tl, _) = Timeline::load(amnesia, 0, Budget::default()).unwrap();
    let violation = tl
        .markers()
        .iter()
        .find(|m| m.kind == MarkerKind::Violation);
    assert!(violation.is_some(), "{:?}", tl.markers());
}

#[test]
fn an_hour_of_checkpoints_stays_within_its_bound() {
    let mut tl = Timeline::new(&spec("cluster nodes=7 seed=1"), 0);
    for minute in 1..=60u64 {
        tl.advance_to(minute * 60 * SECOND);
        if minute % 5 == 0 {
            let _ = tl.exec_line("kill goose");
        }
        if minute % 5 == 1 {
            for n in 1..=7 {
                let _ = tl.exec_line(&format!("revive n{n}"));
            }
        }
    }
    assert!(tl.checkpoint_count() <= MAX_CHECKPOINTS);
    assert!(
        tl.checkpoint_count() > MAX_CHECKPOINTS / 4,
        "{}",
        tl.checkpoint_count()
    );
    assert!(
        tl.checkpoint_interval() <= 64 * SECOND,
        "{}",
        tl.checkpoint_interval()
    );
    assert!(tl.footprint() < 4 << 20, "{} bytes", tl.footprint());
}

#[test]
fn hostile_scripts_are_refused_with_a_reason() {
    let budget = Budget::default();
    let long = "cluster\n".to_string() + &"heal\n".repeat(200_000);
    let huge_line = format!("cluster\nsay {}\n", "x".repeat(1 << 20));
    for (text, line, why) in [
        ("", 1, "empty"),
        ("\u{0}\u{1}garbage", 1, "unknown command"),
        ("cluster nodes=10000", 1, "1 to 101 nodes"),
        ("cluster seed=99999999999999999999999", 1, "whole number"),
        ("cluster\nrun 99999999999999999999s", 2, "too large"),
        ("cluster\nfrobnicate", 2, "unknown command"),
        (
            "cluster\nrun 20000s\nrun 20000s",
            3,
            "longer than 360 minutes",
        ),
        ("cluster\nrun 2m until geese = 1", 2, "not a unit"),
        ("cluster\nrun 90s until geese = 1", 2, "at most 60s"),
        (long.as_str(), 100_001, "at most 100000 lines"),
        (huge_line.as_str(), 2, "longer than 4096"),
    ] {
        check(text, budget, line, why);
    }
    let small = Budget {
        time: budget.time,
        events: 100_000,
    };
    check(
        "cluster nodes=101\nrun 3600s",
        small,
        2,
        "more than 100000 events",
    );
    // A watched run is bounded too: found by the import fuzzer (6.1 M
    // executions), where 56 nodes with 2 ms timeouts ran `run 7s until …`
    // to 37 s and 6 GB of records on a 20,000-event budget.
    let started = std::time::Instant::now();
    check(
        "cluster nodes=56 seed=1 election=2ms\nisolate n1\nrun 7s until geese = 2",
        small,
        3,
        "stopped after 100000 events",
    );
    assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
}

fn check(text: &str, budget: Budget, line: usize, why: &str) {
    {
        match Timeline::load(text, 0, budget) {
            Ok(_) => panic!("{:.60} loaded", text),
            Err((n, e)) => {
                assert!(e.contains(why), "{:.60}: {e}", text);
                assert_eq!(n, line, "{:.60}: {e}", text);
            }
        }
    }
}

#[test]
fn a_watched_run_ends_its_instant_so_the_cli_and_the_page_agree() {
    // All five timers fire at the same instant; `until` comes true after the
    // first of those events, and the next line must still apply after all.
    let script = "cluster nodes=5 seed=3 election=150ms..150ms\n\
                  run 200ms until n1.role = candidate\nkill n2\nrun 10ms\n";
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let code =
        crate::script::run_script(&format!("{script}status\n"), 0, false, &mut out, &mut err);
    assert_eq!(code, 0, "{}", String::from_utf8_lossy(&err));
    let (tl, warnings) = Timeline::load(script, 0, Budget::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    let page = serde_json::to_string(&tl.sim().status()).unwrap();
    assert_eq!(String::from_utf8(out).unwrap().trim(), page);
    assert_eq!(
        tl.sim().status().nodes[1].term,
        1,
        "n2 campaigned before it died"
    );
}

/// Found by fuzzing (fuzz/fuzz_targets/import.rs): an `always` that stops
/// holding ends its instant, as `until` does. It used to stop right after the
/// event that broke it, so a loaded run ended mid-instant: seeking away and
/// back, or loading its export, showed the whole instant, another state.
#[test]
fn a_broken_always_ends_its_instant_so_the_end_is_seen_again_the_same() {
    // All five timers fire at the same instant; the first campaign breaks
    // the condition, and the other four must still run.
    let script = "cluster nodes=5 seed=3 election=150ms..150ms\n\
                  run 200ms always n1.role = duck\n";
    let (mut tl, warnings) = Timeline::load(script, 0, Budget::default()).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].1.contains("stopped holding at 150ms"),
        "{warnings:?}"
    );
    let (end, seen) = (tl.end(), tl.sim().status());
    assert!(
        seen.nodes.iter().all(|n| n.role == "candidate"),
        "all five timers fired: {seen:?}"
    );
    let (again, _) = Timeline::load(&tl.script(), 0, Budget::default()).unwrap();
    assert_eq!(again.sim().status(), seen);
    assert_eq!(again.sim().stats().events, tl.sim().stats().events);
    tl.seek(0);
    tl.seek(end);
    assert_eq!(tl.sim().status(), seen);
}

/// `disk` and `jitter` print only when set, so a `set` that turns them back
/// to zero must still say so, or the exported script would keep them on.
#[test]
fn setting_disk_and_jitter_back_to_zero_survives_export() {
    let mut tl = Timeline::new(&spec("cluster nodes=3 seed=2 disk=2ms jitter=1ms"), 0);
    tl.advance_to(400_000);
    tl.exec_line("set disk=0ms jitter=0ms").unwrap();
    tl.exec_line("revive dead").unwrap();
    tl.exec_line("kill n1").unwrap();
    tl.exec_line("revive dead").unwrap();
    tl.advance_to(900_000);
    let script = tl.script();
    assert!(script.contains(" disk=0ms jitter=0ms"), "{script}");
    assert_eq!(
        script.matches("revive dead").count(),
        1,
        "a no-op is not taped: {script}"
    );
    let (again, _) = Timeline::load(&script, 0, Budget::default()).unwrap();
    assert_eq!(again.sim().options().disk.max, 0);
    assert_eq!(again.sim().options().jitter, 0);
}

#[test]
fn replayed_records_are_the_records_seen_live_and_leave_the_view_alone() {
    let mut tl = Timeline::new(&spec("cluster nodes=5 seed=9 loss=3%"), 0);
    let mut live = Vec::new();
    let mut t = 0;
    for frame in 0..200u64 {
        t += 4_000 + (frame * 7_919) % 9_000;
        live.extend(tl.advance_to(t).records);
        if frame == 80 {
            live.extend(tl.exec_line("kill goose").unwrap().1.records);
        }
    }
    let at = tl.sim().status();
    for (from, to) in [(0, 50_000), (300_000, 700_000), (500_123, 500_123), (0, t)] {
        let (replayed, sim) = tl.replay_records(from, to);
        let wanted: Vec<&Record> = live.iter().filter(|r| r.t >= from && r.t <= to).collect();
        assert_eq!(replayed.iter().collect::<Vec<_>>(), wanted, "{from}..={to}");
        assert_eq!(sim.now(), to);
    }
    assert_eq!(tl.sim().status(), at, "the view did not move");
}

/// The page benchmark's hour (tests/e2e/bench.mjs): 7 nodes, n1 killed and
/// revived every 30 s, a partition made or healed every 90 s.
fn an_hour_with_faults() -> Timeline {
    let mut tl = Timeline::new(&spec("cluster nodes=7 seed=3"), 0);
    for i in 0..120 {
        tl.advance_by(30 * SECOND, u64::MAX);
        tl.exec_line(if i % 2 == 1 { "revive n1" } else { "kill n1" })
            .unwrap();
        if i % 3 == 0 {
            let line = if i % 2 == 1 {
                "heal"
            } else {
                "partition n1,n2,n3 | n4,n5,n6,n7"
            };
            tl.exec_line(line).unwrap();
        }
    }
    tl
}

/// Every checkpoint is a clone of the run; what a run accumulates (here the
/// thousands of failed elections of the minority during the partitions) must
/// be shared between them, not copied into each. Copied, this hour took 36 MB;
/// before the election records existed it took 1.6 MB.
#[test]
fn checkpoints_of_an_hour_fit_in_three_megabytes() {
    let tl = an_hour_with_faults();
    let bytes = tl.footprint();
    let records = tl.sim().stats().elections.len();
    eprintln!(
        "an hour: {} checkpoints every {} ms, {records} election records, {bytes} bytes",
        tl.checkpoint_count(),
        tl.checkpoint_interval() / MS
    );
    assert!(records > 5_000, "the hour decides thousands of elections");
    assert!(tl.checkpoint_count() > 64);
    assert!(bytes < 3 << 20, "{bytes} bytes of checkpoints for an hour");
}

#[test]
fn a_one_way_cut_is_taped_with_the_goose_named_and_survives_a_link() {
    let mut tl = Timeline::new(&spec("cluster nodes=5 seed=1"), 0);
    tl.advance_by(SECOND, u64::MAX);
    let goose = tl.sim().goose().expect("a goose after 1s");
    let other = (goose + 1) % 5;
    tl.exec_line(&format!("cut goose->{}", node_name(other)))
        .unwrap();
    assert!(tl.sim().network().is_cut(goose, other));
    tl.advance_by(SECOND, u64::MAX);
    let line = format!("cut {}", crate::sim::link(goose, other));
    let script = tl.script();
    assert!(script.contains(&line), "{line} not in {script}");
    // Through a shared link and back, the run is the same.
    let fragment = crate::view::share::fragment(&script, tl.end());
    let Ok(Some(crate::view::share::Shared::Run { script: back, .. })) =
        crate::view::share::parse_fragment(&fragment)
    else {
        panic!("{fragment}");
    };
    let (loaded, _) = Timeline::load(&back, 0, Budget::default()).unwrap();
    assert_eq!(loaded.tape(), tl.tape());
    assert!(loaded.sim().network().is_cut(goose, other));
    assert_eq!(loaded.sim().status(), tl.sim().status());
    tl.exec_line(&format!("uncut {}", crate::sim::link(goose, other)))
        .unwrap();
    assert!(tl
        .script()
        .ends_with(&format!("uncut {}\n", crate::sim::link(goose, other))));
}

/// A long log (issue 9 §1): the cap's 10,000 entries, written by a request
/// stream over time travel's checkpoints. The logs and the checker's memory
/// of them are in shared chunks, so each checkpoint adds only what was
/// written since the one before; copied, each would hold 5 × 10,000 entries.
#[test]
fn checkpoints_of_a_full_log_share_it() {
    let mut tl = Timeline::new(&spec("cluster nodes=5 seed=1"), 0);
    tl.advance_by(SECOND, u64::MAX);
    for _ in 0..120 {
        let _ = tl.exec_line("request 100");
        tl.advance_by(5 * SECOND, u64::MAX);
    }
    let longest = tl.sim().nodes().iter().map(|n| n.log().last_index()).max();
    let bytes = tl.footprint();
    eprintln!(
        "a full log: {} checkpoints, longest log {longest:?}, {bytes} bytes",
        tl.checkpoint_count()
    );
    // The last batch that would pass the cap is refused whole.
    assert!(
        longest > Some(crate::log::LOG_CAP as u64 - 100),
        "{longest:?}"
    );
    assert!(tl.checkpoint_count() > 64);
    assert!(bytes < 8 << 20, "{bytes} bytes of checkpoints");
}

/// Found by the import fuzzer: a `set` drew timers due at that very instant,
/// and a `reconnect` of a node that was not isolated (it changes nothing)
/// finished the instant, firing them. Left off the tape, the export stopped
/// short of those events and replayed to another state.
#[test]
fn an_action_that_changes_nothing_but_finishes_the_instant_is_taped() {
    let text = "cluster nodes=5 seed=4 prevote=off\n\
                partition n1,n2 | n3,n4,n5\n\
                set election=75ms..731824us\n\
                run 300ms\n\
                set election=75ms..300ms\n\
                reconnect n1\n\
                reconnect n1\n";
    let budget = Budget::default();
    let (tl, _) = Timeline::load(text, 7, budget).unwrap();
    let exported = tl.script();
    let (again, _) = Timeline::load(&exported, 8, budget).unwrap();
    assert_eq!(tl.sim().status(), again.sim().status(), "{exported}");
    assert_eq!(tl.sim().stats().events, again.sim().stats().events);
    assert_eq!(
        exported.matches("reconnect n1").count(),
        1,
        "the second changes nothing and finishes nothing: {exported}"
    );
}

/// A refused action in a loaded scenario is a warning at the instant its
/// line ran, so the page logs it there (lesson 11's refused removal used to
/// appear in the event log at 0).
#[test]
fn a_load_warning_carries_the_instant_of_its_line() {
    let script = "cluster nodes=3 seed=1\nrun 10ms\nremove n2\nrun 5ms\n";
    let (_, warnings) = Timeline::load(script, 0, Budget::default()).unwrap();
    assert_eq!(warnings.len(), 1, "{warnings:?}");
    let (t, text) = &warnings[0];
    assert_eq!(*t, 10 * crate::options::MS, "{warnings:?}");
    assert!(
        text.starts_with("line 3: ") && text.contains("refused"),
        "{text}"
    );
}

/// Found by fuzzing (fuzz/fuzz_targets/import.rs, after about 8.2 M
/// executions): a watched run that holds at the very instant it began (with
/// 0 ms latency, n2's election is won at the instant it times out) finished
/// that instant, but the export ended with the timeout and no `run`, so its
/// replay stopped short of the election.
#[test]
fn a_watched_run_that_holds_at_once_is_exported_with_its_instant() {
    let script = "cluster nodes=91 seed=7\nrun 5ms\nset latency=0ms\ntimeout n2\n\
                  run 1s until geese = 1\n";
    let (tl, warnings) = Timeline::load(script, 7, Budget::default()).unwrap();
    assert!(warnings.is_empty(), "{warnings:?}");
    assert_eq!(tl.sim().geese().len(), 1);
    let exported = tl.script();
    assert!(exported.ends_with("timeout n2\nrun 0ms\n"), "{exported}");
    let (again, _) = Timeline::load(&exported, 8, Budget::default()).unwrap();
    assert_eq!(again.sim().status(), tl.sim().status(), "{exported}");
    assert_eq!(again.sim().stats().events, tl.sim().stats().events);
}
