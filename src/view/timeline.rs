//! Time travel: a run kept as its cluster line, its seed and its timestamped
//! actions (the *tape*), with periodic checkpoints so that any moment can be
//! shown again at once.
//!
//! Because the simulation is deterministic, the tape *is* the run. Seeking to
//! an instant clones the last checkpoint before it and re-simulates forward,
//! applying the tape's actions at their times. Acting in the past forks the
//! run: the tape's future is dropped and the new action is recorded instead.
//!
//! The rule that makes replay exact is the one `ddg run` follows: an action at
//! time `t` applies after every event at or before `t`. The page keeps to it
//! (it finishes the current instant before acting), and so does every replay
//! here.
//!
//! Memory stays bounded: at most [`MAX_CHECKPOINTS`] checkpoints are kept; when
//! there would be more, every other one goes and the spacing doubles. A seek
//! then re-simulates at most one spacing, a few thousand events for an hour.

use crate::message::node_name;
use crate::node::Note;
use crate::options::{format_duration, Micros, Time, MS, SECOND};
use crate::script::parse::{parse_command, ClusterSpec, Settings, Target};
use crate::script::{Command, Failure, Reply, Session};
use crate::sim::event::{Event, Fault, Record};
use crate::sim::network::check_groups;
use crate::sim::Simulation;

/// The most checkpoints kept.
pub const MAX_CHECKPOINTS: usize = 128;

/// The first checkpoint spacing, doubled each time the checkpoints are thinned.
pub const FIRST_INTERVAL: Micros = 500 * MS;

/// One recorded action: when, and the scenario line that did it.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// Simulated time it applied at.
    pub t: Time,
    /// The line, as the scenario language writes it.
    pub line: String,
    command: Command,
}

/// What a marker on the timeline marks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkerKind {
    /// A goose was elected.
    Elected,
    /// A node was killed.
    Killed,
    /// The network was split or a node isolated.
    Partition,
    /// An invariant was violated.
    Violation,
}

/// A point of interest on the timeline.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Marker {
    /// When.
    pub t: Time,
    /// What.
    pub kind: MarkerKind,
    /// For people: "n3 elected (term 4)".
    pub label: String,
}

#[derive(Clone)]
struct Checkpoint {
    session: Session,
    applied: usize,
}

/// Limits on how much a loaded scenario (a shared link, an imported file) may
/// make the page simulate, so that a hostile one cannot freeze the tab.
#[derive(Clone, Copy, Debug)]
pub struct Budget {
    /// Total simulated time.
    pub time: Micros,
    /// Total events.
    pub events: u64,
}

/// The most events one watched run (`run 2s until …`) takes in the page:
/// as many as a page load may run ([`Timeline::exec`]).
pub const WATCH_EVENTS: u64 = 5_000_000;

impl Default for Budget {
    /// Six hours of simulated time and twenty million events.
    fn default() -> Budget {
        Budget {
            time: 6 * 3600 * SECOND,
            events: 20_000_000,
        }
    }
}

/// A run with its past: the tape, the checkpoints and what is on view now.
#[derive(Clone)]
pub struct Timeline {
    cluster: ClusterSpec,
    tape: Vec<Entry>,
    applied: usize,
    session: Session,
    checkpoints: Vec<Checkpoint>,
    interval: Micros,
    end: Time,
    /// Whether a `run` finished the instant at `end` after the tape's last
    /// action there (a watched run can hold at the instant it began): the
    /// export then ends with `run 0ms`, or its replay would stop short of
    /// that instant's events.
    ran_at_end: bool,
    markers: Vec<Marker>,
    captions: Vec<(Time, String)>,
}

/// What an operation brought: records of what happened for the first time
/// (the event log and the markers take these), and whether the run forked.
#[derive(Debug, Default)]
pub struct Change {
    /// Records of new territory, in order.
    pub records: Vec<Record>,
    /// The run's old future was dropped.
    pub forked: bool,
}

/// A warning from [`Timeline::load`]: the simulated instant its line ran
/// at, and what went wrong there.
pub type Warning = (Time, String);

impl Timeline {
    /// A new run from a `cluster` line, with its seed fixed (`seed` is used
    /// when the line names none).
    pub fn new(spec: &ClusterSpec, seed: u64) -> Timeline {
        let mut cluster = spec.clone();
        cluster.seed = Some(spec.seed.unwrap_or(seed));
        let mut session = Session::new(&cluster, 0);
        session.sim_mut().set_recording(true);
        let first = Checkpoint {
            session: session.clone(),
            applied: 0,
        };
        Timeline {
            cluster,
            tape: Vec::new(),
            ran_at_end: false,
            applied: 0,
            session,
            checkpoints: vec![first],
            interval: FIRST_INTERVAL,
            end: 0,
            markers: Vec::new(),
            captions: Vec::new(),
        }
    }

    /// The run on view.
    pub fn session(&self) -> &Session {
        &self.session
    }
    /// The simulation on view.
    pub fn sim(&self) -> &crate::sim::Simulation {
        self.session.sim()
    }
    /// The furthest instant simulated so far.
    pub fn end(&self) -> Time {
        self.end
    }
    /// The recorded actions.
    pub fn tape(&self) -> &[Entry] {
        &self.tape
    }
    /// The markers so far.
    pub fn markers(&self) -> &[Marker] {
        &self.markers
    }
    /// The captions of a loaded lesson, with their times.
    pub fn captions(&self) -> &[(Time, String)] {
        &self.captions
    }
    /// How many checkpoints are kept now.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }
    /// The current spacing of checkpoints.
    pub fn checkpoint_interval(&self) -> Micros {
        self.interval
    }
    /// Approximate bytes held by the checkpoints and the tape.
    pub fn footprint(&self) -> usize {
        self.checkpoints
            .iter()
            .map(|c| c.session.sim().footprint())
            .sum::<usize>()
            + self.tape.iter().map(|e| e.line.len() + 64).sum::<usize>()
            + self
                .markers
                .iter()
                .map(|m| m.label.len() + 40)
                .sum::<usize>()
    }
    /// Whether the view is at the head of the run (nothing ahead on the tape).
    pub fn is_live(&self) -> bool {
        self.applied == self.tape.len() && self.sim().now() >= self.end
    }

    /// Runs the view forward to `t`, applying the tape's actions on the way;
    /// `Ok` with the records of new territory.
    pub fn advance_to(&mut self, t: Time) -> Change {
        let mut change = Change::default();
        while self.sim().now() < t {
            let next_checkpoint =
                self.checkpoints.last().map_or(0, |c| c.session.sim().now()) + self.interval;
            let stop = if next_checkpoint > self.end {
                t.min(next_checkpoint)
            } else {
                t
            };
            self.replay_to(stop);
            if self.sim().now() == next_checkpoint && next_checkpoint > self.end {
                self.take_records(&mut change);
                self.checkpoint();
            }
        }
        self.take_records(&mut change);
        change
    }

    /// Runs the next event (applying any tape action due before it).
    pub fn step(&mut self) -> Change {
        let mut change = Change::default();
        let Some(next) = self.sim().next_event_time() else {
            return change;
        };
        while self.applied < self.tape.len() && self.tape[self.applied].t < next {
            let at = self.tape[self.applied].t;
            self.session.sim_mut().run_until(at);
            self.apply_taped();
        }
        self.session.sim_mut().step();
        self.take_records(&mut change);
        change
    }

    /// Shows instant `t` (within `0..=end`): the last checkpoint at or before
    /// it, re-simulated forward.
    pub fn seek(&mut self, t: Time) {
        let t = t.min(self.end);
        let index = self
            .checkpoints
            .partition_point(|c| c.session.sim().now() <= t)
            .saturating_sub(1);
        let cp = &self.checkpoints[index];
        self.session = cp.session.clone();
        self.applied = cp.applied;
        self.replay_to(t);
        self.session.sim_mut().take_records();
    }

    /// Goes back to just before the last event on view: the state after one
    /// event fewer, its clock an instant before that event.
    pub fn step_back(&mut self) {
        let events = self.sim().stats().events;
        let Some(last) = self.sim().last_event_time() else {
            return self.seek(0);
        };
        self.seek(last.saturating_sub(1));
        // Events at the very instant of the last one, before it, come back.
        while self.sim().stats().events + 1 < events {
            if self.sim().next_event_time().is_none() {
                break;
            }
            self.step();
        }
    }

    /// Runs one command at the instant on view. Actions are recorded on the
    /// tape; if the view is in the past, the run forks there first. A
    /// watched run (`run 2s until …`) stops with an error after
    /// [`WATCH_EVENTS`] events.
    pub fn exec(&mut self, command: &Command) -> Result<(Reply, Change), Failure> {
        self.exec_capped(command, WATCH_EVENTS)
    }

    /// [`Timeline::exec`], with a watched run stopped (an error) once it has
    /// run more than `max_events` events: a few seconds of a large cluster
    /// with millisecond timeouts are millions of events, and the page keeps
    /// a record of each.
    pub fn exec_capped(
        &mut self,
        command: &Command,
        max_events: u64,
    ) -> Result<(Reply, Change), Failure> {
        let mut change = Change::default();
        match command {
            Command::Run {
                duration,
                watch: None,
            } => {
                let (change, _) = self.advance_by(*duration, u64::MAX);
                return Ok((Reply::Done, change));
            }
            Command::Run { .. } => {
                // A watched run stops at an instant of its own: record what
                // the tape needs by running it for real, in the present.
                change.forked = self.fork_here();
                let Command::Run { duration, watch } = command else {
                    unreachable!("matched above")
                };
                let start = self.sim().stats().events;
                let result = self
                    .session
                    .run_paced(*duration, watch, 10 * MS, &mut |sim| {
                        if sim.stats().events - start > max_events {
                            Err(format!(
                                "stopped after {max_events} events, the most a line runs here"
                            ))
                        } else {
                            Ok(())
                        }
                    });
                self.end = self.end.max(self.sim().now());
                self.ran_at_end = true;
                self.take_records(&mut change);
                return result.map(|r| (r, change));
            }
            Command::Status | Command::Stats | Command::Expect(_) => {
                return self.session.exec(command).map(|r| (r, change));
            }
            Command::Say(text) => {
                self.captions.push((self.sim().now(), text.clone()));
                return Ok((Reply::Done, change));
            }
            Command::Cluster(_) => return self.session.exec(command).map(|r| (r, change)),
            _ => {}
        }
        // Finish the current instant: an action applies after every event at
        // or before its time (see the module doc).
        let now = self.sim().now();
        let events = self.sim().stats().events;
        self.replay_to(now);
        // An action that changes nothing still finished the instant if
        // events were due at it (a `set` a moment ago may have drawn timers
        // that fire now): it goes on the tape too, or a replay of the tape
        // would stop short of those events.
        let finished_instant = self.sim().stats().events != events;
        // `goose` names whoever is goose now: the tape records that node.
        let (command, line) = canonical(command, &self.session)?;
        change.forked = self.fork_here();
        let reply = self.session.exec(&command)?;
        if !matches!(reply, Reply::Nothing(_)) || finished_instant {
            self.tape.push(Entry {
                t: now,
                line,
                command,
            });
            self.applied = self.tape.len();
            self.ran_at_end = false;
        }
        self.take_records(&mut change);
        Ok((reply, change))
    }

    /// Drops everything after the instant on view, so that an action here
    /// starts a new future. Returns whether there was a future to drop.
    fn fork_here(&mut self) -> bool {
        let now = self.sim().now();
        let forked = self.applied < self.tape.len() || now < self.end;
        if forked {
            self.tape.truncate(self.applied);
            self.checkpoints
                .retain(|c| c.session.sim().now() <= now && c.applied <= self.applied);
            self.markers.retain(|m| m.t <= now);
            self.end = now;
        }
        forked
    }

    /// Runs to `t` along the tape: an action at time `a` applies after every
    /// event at or before `a`.
    /// What happened from `from` to `to` (both within `0..=end`), replayed
    /// from the last checkpoint at or before `from` without moving the view,
    /// with the simulation as it stands at `to`. The page asks this to say
    /// why something happened (a ✖, a node's last vote); it costs a replay of
    /// at most one checkpoint interval plus `to - from`.
    pub fn replay_records(&self, from: Time, to: Time) -> (Vec<Record>, Simulation) {
        let to = to.min(self.end);
        let from = from.min(to);
        let index = self
            .checkpoints
            .partition_point(|c| c.session.sim().now() <= from)
            .saturating_sub(1);
        let cp = &self.checkpoints[index];
        let mut session = cp.session.clone();
        let mut applied = cp.applied;
        let mut records = Vec::new();
        while applied < self.tape.len() && self.tape[applied].t <= to {
            session.sim_mut().run_until(self.tape[applied].t);
            let _ = session.exec(&self.tape[applied].command);
            applied += 1;
            records.extend(session.sim_mut().take_records());
        }
        session.sim_mut().run_until(to);
        records.extend(session.sim_mut().take_records());
        records.retain(|r| r.t >= from);
        (records, session.sim().clone())
    }

    fn replay_to(&mut self, t: Time) {
        while self.applied < self.tape.len() && self.tape[self.applied].t <= t {
            let at = self.tape[self.applied].t;
            self.session.sim_mut().run_until(at);
            self.apply_taped();
        }
        self.session.sim_mut().run_until(t);
    }

    fn apply_taped(&mut self) {
        let command = self.tape[self.applied].command.clone();
        // A taped action ran once already, so it runs again the same way:
        // it cannot be bad input now (a failed `expect` is taped too).
        let replayed = self.session.exec(&command);
        debug_assert!(
            !matches!(replayed, Err(crate::script::Failure::Error(_))),
            "a taped line failed on replay: {replayed:?}"
        );
        self.applied += 1;
    }

    fn checkpoint(&mut self) {
        let mut session = self.session.clone();
        session.sim_mut().take_records();
        self.checkpoints.push(Checkpoint {
            session,
            applied: self.applied,
        });
        if self.checkpoints.len() > MAX_CHECKPOINTS {
            let mut i = 0;
            self.checkpoints.retain(|_| {
                i += 1;
                i % 2 == 1
            });
            self.interval *= 2;
        }
    }

    /// Moves the view's records into `change`, keeping only those of new
    /// territory (after the old end), and notes markers for them.
    fn take_records(&mut self, change: &mut Change) {
        let records = self.session.sim_mut().take_records();
        let old_end = self.end;
        let now = self.sim().now();
        let head = self.applied == self.tape.len();
        for r in records {
            // At the head, everything is new; behind it, only what lies
            // beyond the old end is.
            if r.t > old_end || (head && r.t == old_end && now == old_end) {
                if let Some(m) = marker(&r) {
                    self.markers.push(m);
                }
                change.records.push(r);
            }
        }
        self.end = self.end.max(now);
    }

    /// The run as a scenario: its cluster line, then `run` and each action,
    /// then a `run` to the end. `ddg run` replays it exactly.
    pub fn script(&self) -> String {
        let mut out = String::new();
        let c = &self.cluster;
        out.push_str(&format!(
            "cluster nodes={} seed={} {}\n",
            c.nodes,
            c.seed.unwrap_or(0),
            c.options
        ));
        let mut at = 0;
        for e in &self.tape {
            if e.t > at {
                out.push_str(&format!("run {}\n", format_duration(e.t - at)));
                at = e.t;
            }
            out.push_str(&e.line);
            out.push('\n');
        }
        if self.end > at || self.ran_at_end {
            out.push_str(&format!("run {}\n", format_duration(self.end - at)));
        }
        out
    }

    /// Loads a scenario (a shared link or an imported file) within `budget`:
    /// runs it to its end with checkpoints, recording its actions and
    /// captions. `status` and `stats` lines are ignored; a failed `expect`
    /// or a refused action is a warning, not fatal, each with the simulated
    /// instant its line ran at (so the page logs it there, not at 0). Bad
    /// input is `Err((line, why))`.
    pub fn load(
        text: &str,
        seed: u64,
        budget: Budget,
    ) -> Result<(Timeline, Vec<Warning>), (usize, String)> {
        let script = crate::script::parse_script(text)?;
        let mut timeline = Timeline::new(&script.cluster, seed);
        let mut warnings = Vec::new();
        for (number, command) in &script.commands {
            let start = timeline.sim().now();
            if let Command::Run { duration, watch } = command {
                if start.saturating_add(*duration) > budget.time {
                    return Err((
                        *number,
                        format!(
                            "the scenario runs longer than {} minutes of simulated time, the most a page loads",
                            budget.time / (60 * SECOND)
                        ),
                    ));
                }
                if watch.is_some() && *duration > 60 * SECOND {
                    return Err((
                        *number,
                        "a page loads `run … until` and `run … always` of at most 60s".into(),
                    ));
                }
            }
            match timeline.exec_within(command, budget) {
                Ok(Reply::Nothing(why) | Reply::Warned(why)) => {
                    warnings.push((start, format!("line {number}: {why}")))
                }
                Ok(_) => {}
                Err(Failure::Error(why)) => return Err((*number, why)),
                Err(Failure::Expectation(why)) => {
                    warnings.push((start, format!("line {number}: expect failed: {why}")))
                }
            }
            if timeline.sim().stats().events > budget.events {
                return Err((
                    *number,
                    format!(
                        "the scenario needs more than {} events, the most a page loads",
                        budget.events
                    ),
                ));
            }
        }
        Ok((timeline, warnings))
    }

    /// [`Timeline::exec`], but a `run` stops after the budget's events (a
    /// watched one with an error).
    fn exec_within(&mut self, command: &Command, budget: Budget) -> Result<Reply, Failure> {
        let limit = budget.events.saturating_sub(self.sim().stats().events);
        if let Command::Run {
            duration,
            watch: None,
        } = command
        {
            self.advance_by(*duration, limit);
            return Ok(Reply::Done);
        }
        self.exec_capped(command, limit).map(|(reply, _)| reply)
    }

    /// Runs the view forward by `duration`, ten simulated seconds at a time,
    /// stopping early once more than `max_events` events have run. Returns
    /// what happened and whether it stopped early.
    pub fn advance_by(&mut self, duration: Micros, max_events: u64) -> (Change, bool) {
        let start = self.sim().stats().events;
        let target = self.sim().now().saturating_add(duration);
        let mut change = Change::default();
        while self.sim().now() < target {
            let slice = (self.sim().now() + 10 * SECOND).min(target);
            change.records.extend(self.advance_to(slice).records);
            if self.sim().stats().events - start > max_events {
                return (change, true);
            }
        }
        if duration == 0 {
            // `run 0ms` finishes the instant, as in `ddg run`.
            self.replay_to(target);
            self.take_records(&mut change);
        }
        self.ran_at_end = true;
        (change, false)
    }

    /// Parses and runs one line at the instant on view (see
    /// [`Timeline::exec`]); bad input is `Err` with the reason.
    pub fn exec_line(&mut self, line: &str) -> Result<(Option<Reply>, Change), Failure> {
        match parse_command(line, self.sim().size()) {
            Ok(None) => Ok((None, Change::default())),
            Ok(Some(command)) => self.exec(&command).map(|(r, c)| (Some(r), c)),
            Err(e) => Err(Failure::Error(e)),
        }
    }
}

/// An action with `goose` replaced by the node it names now, and the line
/// that writes it in the scenario language.
fn canonical(command: &Command, session: &Session) -> Result<(Command, String), Failure> {
    let node = |t: Target| session.resolve(t).map(Target::Node);
    let name = Target::name;
    let resolved = match command {
        Command::Kill { target, amnesia } => Command::Kill {
            target: node(*target)?,
            amnesia: *amnesia,
        },
        Command::Revive(t) => Command::Revive(node(*t)?),
        Command::Timeout(t) => Command::Timeout(node(*t)?),
        Command::Isolate(t) => Command::Isolate(node(*t)?),
        Command::Reconnect(t) => Command::Reconnect(node(*t)?),
        Command::Remove(t) => Command::Remove(node(*t)?),
        Command::Partition(groups) => {
            let groups = groups
                .iter()
                .map(|g| g.iter().map(|&t| node(t)).collect::<Result<Vec<_>, _>>())
                .collect::<Result<Vec<_>, _>>()?;
            check_groups(&groups, name).map_err(Failure::Error)?;
            Command::Partition(groups)
        }
        Command::Cut { from, to, cut } => Command::Cut {
            from: node(*from)?,
            to: node(*to)?,
            cut: *cut,
        },
        Command::Set(settings) => {
            let options = settings.applied_to(session.sim().options());
            options.validate().map_err(Failure::Error)?;
            Command::Set(Settings::from(&options))
        }
        other => other.clone(),
    };
    let line = match &resolved {
        Command::Kill {
            target,
            amnesia: false,
        } => format!("kill {}", name(*target)),
        Command::Kill {
            target,
            amnesia: true,
        } => format!("kill {} amnesia", name(*target)),
        Command::Revive(t) => format!("revive {}", name(*t)),
        Command::ReviveDead => "revive dead".into(),
        Command::Timeout(t) => format!("timeout {}", name(*t)),
        Command::Isolate(t) => format!("isolate {}", name(*t)),
        Command::Reconnect(t) => format!("reconnect {}", name(*t)),
        Command::Partition(groups) => format!(
            "partition {}",
            groups
                .iter()
                .map(|g| g.iter().map(|&t| name(t)).collect::<Vec<_>>().join(","))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Command::Cut { from, to, cut } => format!(
            "{}cut {}->{}",
            if *cut { "" } else { "un" },
            name(*from),
            name(*to)
        ),
        Command::Heal => "heal".into(),
        Command::Set(settings) => set_line(session.sim().options(), settings),
        Command::Drop(id) => format!("drop m{id}"),
        Command::Request(1) => "request".into(),
        Command::Request(count) => format!("request {count}"),
        Command::Add(node) => format!("add {}", node_name(*node)),
        Command::Remove(t) => format!("remove {}", name(*t)),
        _ => unreachable!("only actions reach the tape"),
    };
    Ok((resolved, line))
}

/// The `set` line that replays a change of options: every option, and
/// `disk`/`jitter` even when they go back to zero (the options print them
/// only when they are not zero).
fn set_line(old: &crate::options::Options, settings: &Settings) -> String {
    let new = settings.applied_to(old);
    let mut line = format!("set {new}");
    if new.disk.max == 0 && old.disk.max != 0 {
        line += " disk=0ms";
    }
    if new.jitter == 0 && old.jitter != 0 {
        line += " jitter=0ms";
    }
    line
}

/// The marker a record deserves, if any.
fn marker(r: &Record) -> Option<Marker> {
    let (kind, label) = match &r.event {
        Event::Node {
            node,
            term,
            note: Note::Won { .. },
        } => (
            MarkerKind::Elected,
            format!("{} elected (term {term})", node_name(*node)),
        ),
        Event::Fault(Fault::Killed { node, .. }) => {
            (MarkerKind::Killed, format!("{} killed", node_name(*node)))
        }
        Event::Fault(Fault::Partitioned { .. }) => (MarkerKind::Partition, "network split".into()),
        Event::Fault(Fault::Cut {
            from,
            to,
            cut: true,
        }) => (MarkerKind::Partition, crate::sim::link(*from, *to) + " cut"),
        Event::Fault(Fault::Isolated { node }) => (
            MarkerKind::Partition,
            format!("{} isolated", node_name(*node)),
        ),
        Event::Violation(v) => (
            MarkerKind::Violation,
            format!("violation: {}", v.invariant.name()),
        ),
        _ => return None,
    };
    Some(Marker {
        t: r.t,
        kind,
        label,
    })
}

mod live;
#[cfg(test)]
mod tests;
