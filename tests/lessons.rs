//! Classroom lessons (`www/lessons/*.ddg`, embedded by `build.rs`): each one
//! must run with exit code 0, so that its `expect` lines, which check what
//! its captions claim, keep holding; and each must have the shape the page
//! relies on: a title, enough captions, the first one at time 0 before any
//! `run`, a fixed seed, and an `expect` as its last line, so the lesson ends
//! on its last caption's moment.
//!
//! The page does not run a lesson with `ddg run`: it loads it into a
//! [`Timeline`] and seeks to each caption's moment. So the `expect` lines
//! right after each caption are also checked there, against what the page
//! shows.
//!
//! A new lesson is a new file; the seven below must stay first, in order.
#![cfg(not(target_arch = "wasm32"))]

use duckduckgoose::lessons::{self, Lesson};
use duckduckgoose::run_script;
use duckduckgoose::script::{parse_script, Command, Session};
use duckduckgoose::view::timeline::{Budget, Timeline};

/// The lessons the page offers first, in this order.
const FIRST: &[&str] = &[
    "01-first-election",
    "02-the-goose-dies",
    "03-split-vote",
    "04-no-randomness",
    "05-network-partition",
    "06-disruptive-rejoin",
    "07-amnesia",
];

/// The fewest captions a lesson may have.
const MIN_CAPTIONS: usize = 6;

/// A lesson must end within this much simulated time.
const MAX_SIMULATED_US: u64 = 60_000_000;

#[test]
fn every_lesson_runs_and_its_expectations_hold() {
    let all = lessons::all();
    assert!(!all.is_empty(), "no lessons embedded");
    for lesson in &all {
        let (mut out, mut err) = (Vec::new(), Vec::new());
        let code = run_script(lesson.text, 0, false, &mut out, &mut err);
        assert_eq!(
            code,
            0,
            "lesson {} exited with {code}:\n{}",
            lesson.id,
            String::from_utf8_lossy(&err)
        );
    }
}

#[test]
fn the_seven_lessons_come_first_in_order() {
    let ids: Vec<&str> = lessons::all().iter().map(|l| l.id).collect();
    assert!(ids.len() >= FIRST.len(), "lessons: {ids:?}");
    assert_eq!(&ids[..FIRST.len()], FIRST, "lessons: {ids:?}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), ids.len(), "duplicate lesson ids: {ids:?}");
    for id in FIRST {
        assert_eq!(lessons::find(id).map(|l| l.id), Some(*id));
    }
}

#[test]
fn every_lesson_has_a_title_of_its_own() {
    for lesson in lessons::all() {
        let first = lesson.text.lines().next().unwrap_or("");
        assert!(
            first.starts_with("# title:"),
            "{}: the first line must be `# title: …`, not {first:?}",
            lesson.id
        );
        assert!(!lesson.title.is_empty(), "{}: empty title", lesson.id);
        assert_ne!(lesson.title, lesson.id, "{}: no title", lesson.id);
    }
}

/// Each caption with the simulated time at which it stands, and the time at
/// which the lesson ends.
fn captions(lesson: &Lesson) -> (Vec<(u64, String)>, u64) {
    let script = parse_script(lesson.text)
        .unwrap_or_else(|(line, why)| panic!("{}: line {line}: {why}", lesson.id));
    let mut session = Session::new(&script.cluster, 0);
    let mut said = Vec::new();
    for (line, command) in &script.commands {
        if let Command::Say(text) = command {
            said.push((session.sim().now(), text.clone()));
        }
        if let Err(why) = session.exec(command) {
            panic!("{}: line {line}: {why:?}", lesson.id);
        }
    }
    (said, session.sim().now())
}

#[test]
fn every_lesson_is_shaped_for_the_page() {
    for lesson in lessons::all() {
        let id = lesson.id;
        let script = parse_script(lesson.text)
            .unwrap_or_else(|(line, why)| panic!("{id}: line {line}: {why}"));

        assert!(
            script.cluster.seed.is_some(),
            "{id}: the cluster line needs a fixed seed, or the lesson changes on every load"
        );

        let (said, end) = captions(&lesson);
        assert!(
            said.len() >= MIN_CAPTIONS,
            "{id}: {} captions, at least {MIN_CAPTIONS} wanted",
            said.len()
        );
        let position =
            |wanted: fn(&Command) -> bool| script.commands.iter().position(|(_, c)| wanted(c));
        let first_say = position(|c| matches!(c, Command::Say(_)));
        let first_run = position(|c| matches!(c, Command::Run { .. }));
        assert!(
            first_say.is_some() && (first_run.is_none() || first_say < first_run),
            "{id}: the first `say` must come before any `run`"
        );
        assert_eq!(said[0].0, 0, "{id}: the first caption must stand at time 0");
        assert!(
            said.windows(2).all(|w| w[0].0 < w[1].0),
            "{id}: two captions at the same instant: {:?}",
            said.iter().map(|(t, _)| t).collect::<Vec<_>>()
        );
        assert!(
            end < MAX_SIMULATED_US,
            "{id}: ends at {end}us of simulated time, more than a minute"
        );
        assert_eq!(
            said.last().map(|(t, _)| *t),
            Some(end),
            "{id}: the lesson must end on its last caption's moment"
        );

        let last = lesson
            .text
            .lines()
            .map(str::trim)
            .rfind(|l| !l.is_empty() && !l.starts_with('#'))
            .unwrap_or("");
        assert!(
            last.starts_with("expect "),
            "{id}: the last line must be an `expect`, not {last:?}"
        );
    }
}

#[test]
fn every_caption_holds_where_the_page_shows_it() {
    for lesson in lessons::all() {
        let id = lesson.id;
        let script = parse_script(lesson.text)
            .unwrap_or_else(|(line, why)| panic!("{id}: line {line}: {why}"));
        // The `expect` lines right after each caption: what it claims.
        let mut claims: Vec<Vec<(usize, &duckduckgoose::script::Condition)>> = Vec::new();
        let mut open = false;
        for (line, command) in &script.commands {
            match command {
                Command::Say(_) => {
                    claims.push(Vec::new());
                    open = true;
                }
                Command::Expect(cond) if open => claims.last_mut().unwrap().push((*line, cond)),
                Command::Expect(_) | Command::Status | Command::Stats => {}
                _ => open = false,
            }
        }

        let (mut timeline, warnings) = Timeline::load(lesson.text, 0, Budget::default())
            .unwrap_or_else(|(line, why)| {
                panic!("{id}: the page cannot load it: line {line}: {why}")
            });
        // The only warning a lesson may raise is a change the goose refuses
        // on purpose, which the next caption must then say (§4.1).
        for (_, w) in &warnings {
            let line: usize = w
                .strip_prefix("line ")
                .and_then(|r| r.split(':').next())
                .and_then(|n| n.parse().ok())
                .unwrap_or_else(|| panic!("{id}: the page warns: {w}"));
            let change = script
                .commands
                .iter()
                .any(|(l, c)| *l == line && matches!(c, Command::Add(_) | Command::Remove(_)));
            let said = script.commands.iter().find_map(|(l, c)| match c {
                Command::Say(text) if *l > line => Some(text.as_str()),
                _ => None,
            });
            assert!(
                change && w.contains("refused") && said.is_some_and(|t| t.contains("refused")),
                "{id}: the page warns: {w}"
            );
        }
        let (said, _) = captions(&lesson);
        let page: Vec<(u64, String)> = timeline.captions().to_vec();
        assert_eq!(page, said, "{id}: the page places the captions elsewhere");

        // Visit the captions as "Back" does, from the last to the first.
        for (k, (t, _)) in page.iter().enumerate().rev() {
            timeline.seek(*t);
            for (line, cond) in &claims[k] {
                if let Err(found) = cond.check(timeline.sim()) {
                    panic!(
                        "{id}: caption {} at {t}us: line {line}: `{cond}` is {found} on the page",
                        k + 1
                    );
                }
            }
        }
    }
}

/// The log strip is off in the election lessons (1 to 8) and on in the log
/// and membership lessons (issue 9 §4).
#[test]
fn only_the_log_lessons_show_the_log_strip() {
    for lesson in lessons::all() {
        let election = lesson.id < "09";
        assert_eq!(
            duckduckgoose::view::lesson::shows_logs(lesson.text),
            !election,
            "{}",
            lesson.id
        );
    }
}

/// The log lesson's claim that the page says why n3's ✖ were sent: at the
/// caption that shows them, each ✖ flying to n3 has the election
/// restriction's reason (Raft §5.4.1) in the message inspector, and every
/// bird whose log the lesson draws is where the captions say.
#[test]
fn the_log_lesson_refusals_say_the_election_restriction() {
    use duckduckgoose::view::why;
    use duckduckgoose::Kind;
    let lesson = lessons::find("09-log-behind").expect("the log lesson");
    assert!(duckduckgoose::view::lesson::shows_logs(lesson.text));
    let (said, _) = captions(&lesson);
    let (t, _) = said
        .iter()
        .find(|(_, text)| text.contains("§5.4.1"))
        .expect("a caption about the election restriction");
    let (mut timeline, _) = Timeline::load(lesson.text, 0, Budget::default()).unwrap();
    timeline.seek(*t);
    let denials: Vec<_> = timeline
        .sim()
        .in_flight()
        .filter(|m| m.msg.kind() == Kind::VoteDenied && m.to == 2)
        .cloned()
        .collect();
    assert_eq!(denials.len(), 4, "a ✖ from each of the four others");
    for m in &denials {
        let (records, _) = timeline.replay_records(m.sent, m.sent);
        let why = why::denial(m, &records, None).expect("a reason for every ✖");
        assert!(
            why.contains("term 1, index 1")
                && why.contains("term 1, index 4")
                && why.contains("§5.4.1"),
            "{why}"
        );
    }
}
