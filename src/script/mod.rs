//! The scenario language: the one way to script a run.
//!
//! Golden tests, the CLI, classroom lessons, shared links and the page's
//! `window.ddg.exec` all speak it. A scenario is a `cluster` line followed by
//! commands, one per line; `#` starts a comment.
//!
//! ```text
//! # comment
//! cluster nodes=5 seed=42 election=150ms..300ms heartbeat=50ms latency=10ms..15ms loss=0% checkquorum=on prevote=off
//! run 2s                      # advance simulated time
//! kill goose                  # `goose` is the node that is goose now
//! run 1500ms
//! status                      # one JSON line: every node's role, term, vote, leader
//! partition n1,n2 | n3,n4,n5  # unnamed nodes form one more group
//! heal                        # remove every partition, isolation and one-way cut
//! isolate n3                  # cut every link of n3 (`reconnect n3` undoes it)
//! cut n1->n2                  # a one-way cut: n2 stops hearing n1 (n1 still hears n2)
//! uncut n1->n2                # restore that direction
//! revive n1                   # a live node: a warning, nothing else
//! revive dead                 # every dead node
//! timeout n4                  # make n4's election timer fire now
//! set election=12ms..24ms loss=5%
//! drop m12                    # drop message 12 in flight
//! kill n2 amnesia             # crash n2 and lose its disk (breaks Raft on purpose)
//! stats                       # one JSON line: counters and violations
//! expect goose != n1          # assertions: see `expect`
//! run 2s until geese = 1      # stop at the end of the instant it holds; fail if it never does
//! run 2s until geese = 1 or timeout  # the same, but if it never does: warn and go on
//! run 2s always violations = 0
//! # a caption for lessons: the rest of the line is its text, `#` included
//! say The goose is dead.
//! ```
//!
//! Every key of `cluster` is optional (defaults as shown; the seed is drawn at
//! random and reported when missing). Durations take `us`, `ms` or `s` and may
//! be decimal; a range `A..B` needs `A <= B`, and a single value means `A..A`.
//!
//! Faults that change nothing (killing a dead node, reviving a live one,
//! forcing the goose's timer — it has none) are warnings, not errors, so that
//! a recorded run replays under any seed.

pub mod duration;
pub mod expect;
mod json;
mod names;
pub mod parse;

use std::io::Write;

use serde::Serialize;

use crate::message::{node_name, NodeId};
use crate::options::{Micros, SECOND};
use crate::sim::invariants::Violation;
use crate::sim::stats::ElectionRecord;
use crate::sim::{Action, Cluster, Outcome, Simulation, Status};

pub use expect::Condition;
pub use parse::{parse_command, ClusterSpec, Command, Target, Watch};

/// Exit code of a run whose `expect` failed.
pub const EXIT_FAILED: i32 = 1;
/// Exit code of a run with bad input.
pub const EXIT_ERROR: i32 = 2;

/// Why a command could not run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Bad input: the command cannot run (exit code 2).
    Error(String),
    /// An `expect` (or a watched `run`) did not hold (exit code 1).
    Expectation(String),
}

/// What a command produced.
#[derive(Clone, Debug, PartialEq)]
pub enum Reply {
    /// It ran; nothing to show.
    Done,
    /// It ran but changed nothing, for this reason.
    Nothing(String),
    /// It ran, and this deserves a warning.
    Warned(String),
    /// The answer to `status`.
    Status(Status),
    /// The answer to `stats`.
    Stats(Box<StatsReport>),
}

impl Reply {
    /// The one-line JSON of `status` and `stats`, if this is one of them.
    pub fn json(&self) -> Option<String> {
        match self {
            Reply::Status(s) => Some(json::status(s)),
            Reply::Stats(s) => Some(json::stats(s)),
            _ => None,
        }
    }
}

/// Messages sent, by kind, as `stats` prints them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MessageCounts {
    /// RequestVote.
    pub vote_request: u64,
    /// RequestVote replies granting the vote.
    pub vote_granted: u64,
    /// RequestVote replies refusing it.
    pub vote_denied: u64,
    /// PreVote requests.
    pub prevote_request: u64,
    /// PreVote replies saying yes.
    pub prevote_granted: u64,
    /// PreVote replies saying no.
    pub prevote_denied: u64,
    /// Heartbeats.
    pub heartbeat: u64,
    /// Heartbeat replies.
    pub heartbeat_reply: u64,
}

/// A summary of durations in µs: how many, the last, the mean and the
/// longest (`null` when there are none).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Durations {
    /// How many.
    pub count: usize,
    /// The most recent.
    pub last: Option<u64>,
    /// The mean, rounded down.
    pub mean: Option<u64>,
    /// The longest.
    pub max: Option<u64>,
}

impl Durations {
    /// The summary of `values`.
    pub fn of(values: &[u64]) -> Durations {
        let count = values.len();
        // The exact mean, rounded down, without a u128 sum (whose division
        // would add some code to the page's wasm): Σv = count·Σ(v/count)
        // + Σ(v%count), and each part fits a u64.
        let n = count.max(1) as u64;
        let whole: u64 = values.iter().map(|&v| v / n).sum();
        let rest: u64 = values.iter().map(|&v| v % n).sum();
        Durations {
            count,
            last: values.last().copied(),
            mean: (count > 0).then(|| whole + rest / n),
            max: values.iter().copied().max(),
        }
    }
}

/// What `stats` prints: the counters of [`crate::sim::stats::Stats`] and the
/// violations so far.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct StatsReport {
    /// Simulated time now.
    pub t_us: u64,
    /// The run's seed.
    pub seed: u64,
    /// Times a node became a candidate.
    pub elections_started: u64,
    /// Times a candidate won.
    pub elections_won: u64,
    /// Times a node started a pre-vote round.
    pub prevotes_started: u64,
    /// Terms with two or more candidates and no winner.
    pub split_votes: u64,
    /// Messages sent, by kind.
    pub messages: MessageCounts,
    /// Messages that never arrived.
    pub messages_lost: u64,
    /// Events processed.
    pub events: u64,
    /// Total time with no live goose.
    pub downtime_us: u64,
    /// The time from the loss of a goose (or the start) to the next goose's
    /// win: how many, the last, the mean and the longest. A summary, so that
    /// `stats` stays one short line however long the run.
    pub time_to_elect_us: Durations,
    /// The same until a majority had heard the new goose's heartbeat (the
    /// Raft paper's Figure 16 end point).
    pub time_to_heartbeat_us: Durations,
    /// The last decided election (`ddg run --elections FILE` writes them all).
    pub last_election: Option<ElectionRecord>,
    /// How many invariant violations in all.
    pub violation_count: u64,
    /// The violations (the first thousand).
    pub violations: Vec<Violation>,
}

impl StatsReport {
    /// The report for `sim` now.
    pub fn of(sim: &Simulation) -> StatsReport {
        let s = sim.stats();
        let k = |kind| s.sent_of(kind);
        use crate::message::Kind::*;
        StatsReport {
            t_us: sim.now(),
            seed: sim.seed(),
            elections_started: s.elections_started,
            elections_won: s.elections_won,
            prevotes_started: s.prevotes_started,
            split_votes: s.split_votes,
            messages: MessageCounts {
                vote_request: k(VoteRequest),
                vote_granted: k(VoteGranted),
                vote_denied: k(VoteDenied),
                prevote_request: k(PrevoteRequest),
                prevote_granted: k(PrevoteGranted),
                prevote_denied: k(PrevoteDenied),
                heartbeat: k(Heartbeat),
                heartbeat_reply: k(HeartbeatReply),
            },
            messages_lost: s.lost,
            events: s.events,
            downtime_us: s.downtime(sim.now()),
            time_to_elect_us: Durations::of(&s.time_to_elect),
            time_to_heartbeat_us: Durations::of(&s.time_to_heartbeat),
            last_election: s.elections.back().copied(),
            violation_count: sim.violation_count(),
            violations: sim.violations().to_vec(),
        }
    }
}

/// A run driven by the scenario language.
#[derive(Clone, Debug)]
pub struct Session {
    sim: Simulation,
}

impl Session {
    /// Starts a run from a `cluster` line; `seed` is used when the line
    /// names none.
    pub fn new(spec: &ClusterSpec, seed: u64) -> Session {
        Session {
            sim: Simulation::new(Cluster {
                nodes: spec.nodes,
                seed: spec.seed.unwrap_or(seed),
                options: spec.options.clone(),
            }),
        }
    }

    /// Wraps an existing simulation.
    pub fn from_simulation(sim: Simulation) -> Session {
        Session { sim }
    }

    /// The simulation.
    pub fn sim(&self) -> &Simulation {
        &self.sim
    }

    /// The simulation, to step it or record it.
    pub fn sim_mut(&mut self) -> &mut Simulation {
        &mut self.sim
    }

    /// The node `target` names now: itself, or for `goose` the one goose
    /// there is (an error when there is none, or several).
    pub fn resolve(&self, target: Target) -> Result<NodeId, Failure> {
        match target {
            Target::Node(n) => Ok(n),
            Target::Goose => match self.sim.geese() {
                [g] => Ok(*g),
                [] => Err(Failure::Error(
                    "`goose` names nobody: there is no goose now".into(),
                )),
                many => Err(Failure::Error(format!(
                    "`goose` is ambiguous: {} are all geese now",
                    many.iter()
                        .map(|&g| node_name(g))
                        .collect::<Vec<_>>()
                        .join(", ")
                ))),
            },
        }
    }

    fn act(&mut self, action: Action) -> Result<Reply, Failure> {
        match self.sim.apply(&action).map_err(Failure::Error)? {
            Outcome::Done => Ok(Reply::Done),
            Outcome::Nothing(why) => Ok(Reply::Nothing(why)),
            Outcome::Warned(why) => Ok(Reply::Warned(why)),
        }
    }

    fn run(
        &mut self,
        duration: Micros,
        watch: &Option<(Watch, Condition)>,
    ) -> Result<Reply, Failure> {
        self.run_paced(duration, watch, duration.max(1), &mut |_| Ok(()))
    }

    /// Runs a `run` line in slices of `slice` simulated time, calling
    /// `between` after each one: `ddg run` streams the trace from there and
    /// stops a line that exceeds its event budget (`between` returns the
    /// reason, which becomes a [`Failure::Error`]). Slicing changes nothing
    /// in the run: the same events happen at the same instants.
    pub fn run_paced(
        &mut self,
        duration: Micros,
        watch: &Option<(Watch, Condition)>,
        slice: Micros,
        between: &mut dyn FnMut(&mut Simulation) -> Result<(), String>,
    ) -> Result<Reply, Failure> {
        let end = self.sim.now().saturating_add(duration);
        let slice = slice.max(1);
        let human = crate::options::human_duration;
        if let Some((mode, cond)) = watch {
            cond.exists_in(&self.sim).map_err(Failure::Error)?;
            let already = cond.check(&self.sim);
            match (mode, already) {
                (Watch::Until | Watch::UntilOrTimeout, Ok(())) => return Ok(Reply::Done),
                (Watch::Always, Err(found)) => {
                    return Err(Failure::Expectation(format!(
                        "`{cond}` stopped holding at {} (it is {found})",
                        human(self.sim.now())
                    )))
                }
                _ => {}
            }
        }
        loop {
            let stop = self.sim.now().saturating_add(slice).min(end);
            match watch {
                None => self.sim.run_until(stop),
                Some((Watch::Until | Watch::UntilOrTimeout, cond)) => {
                    if !self
                        .sim
                        .run_until_checking(stop, |s| cond.check(s).is_err())
                    {
                        // Stop at the end of the instant the condition came
                        // true, so that the next line applies after every
                        // event of that instant — the rule every replay (and
                        // the page) follows.
                        let now = self.sim.now();
                        self.sim.run_until(now);
                        between(&mut self.sim).map_err(Failure::Error)?;
                        return Ok(Reply::Done);
                    }
                }
                Some((Watch::Always, cond)) => {
                    let mut broken = None;
                    self.sim.run_until_checking(stop, |s| match cond.check(s) {
                        Ok(()) => true,
                        Err(found) => {
                            broken = Some(found);
                            false
                        }
                    });
                    if let Some(found) = broken {
                        // Finish the instant it broke in, as `until` does: a
                        // replay (an export, a link) applies the next line
                        // after every event of that instant too.
                        let now = self.sim.now();
                        self.sim.run_until(now);
                        between(&mut self.sim).map_err(Failure::Error)?;
                        return Err(Failure::Expectation(format!(
                            "`{cond}` stopped holding at {} (it is {found})",
                            human(self.sim.now())
                        )));
                    }
                }
            }
            between(&mut self.sim).map_err(Failure::Error)?;
            if stop >= end {
                break;
            }
        }
        match watch {
            Some((mode @ (Watch::Until | Watch::UntilOrTimeout), cond)) => {
                let found = cond.quantity.read(&self.sim);
                let why = format!(
                    "`{cond}` did not happen within {} (it is {found})",
                    human(duration)
                );
                if *mode == Watch::UntilOrTimeout {
                    Ok(Reply::Nothing(why))
                } else {
                    Err(Failure::Expectation(why))
                }
            }
            _ => Ok(Reply::Done),
        }
    }

    /// Runs one command (anything but `cluster`) at the current instant.
    pub fn exec(&mut self, command: &Command) -> Result<Reply, Failure> {
        match command {
            Command::Cluster(_) => Err(Failure::Error(
                "cluster may only be the first line: it starts a new run".into(),
            )),
            Command::Run { duration, watch } => self.run(*duration, watch),
            Command::Kill { target, amnesia } => {
                let node = self.resolve(*target)?;
                self.act(Action::Kill {
                    node,
                    amnesia: *amnesia,
                })
            }
            Command::Revive(t) => {
                let node = self.resolve(*t)?;
                self.act(Action::Revive(node))
            }
            Command::ReviveDead => {
                let dead: Vec<NodeId> = (0..self.sim.size())
                    .filter(|&n| !self.sim.is_alive(n))
                    .collect();
                if dead.is_empty() {
                    return Ok(Reply::Nothing("nobody is dead".into()));
                }
                for node in dead {
                    self.act(Action::Revive(node))?;
                }
                Ok(Reply::Done)
            }
            Command::Timeout(t) => {
                let node = self.resolve(*t)?;
                self.act(Action::Timeout(node))
            }
            Command::Isolate(t) => {
                let node = self.resolve(*t)?;
                self.act(Action::Isolate(node))
            }
            Command::Reconnect(t) => {
                let node = self.resolve(*t)?;
                self.act(Action::Reconnect(node))
            }
            Command::Partition(groups) => {
                let groups = groups
                    .iter()
                    .map(|g| g.iter().map(|&t| self.resolve(t)).collect())
                    .collect::<Result<Vec<Vec<NodeId>>, Failure>>()?;
                self.act(Action::Partition(groups))
            }
            Command::Cut { from, to, cut } => {
                let (from, to) = (self.resolve(*from)?, self.resolve(*to)?);
                self.act(Action::Cut {
                    from,
                    to,
                    cut: *cut,
                })
            }
            Command::Heal => self.act(Action::Heal),
            Command::Set(settings) => {
                let options = settings.applied_to(self.sim.options());
                self.act(Action::Set(options))
            }
            Command::Drop(id) => self.act(Action::Drop(*id)),
            Command::Request(count) => self.act(Action::Request(*count)),
            Command::Add(node) => self.act(Action::Add(*node)),
            Command::Remove(t) => {
                let node = self.resolve(*t)?;
                self.act(Action::Remove(node))
            }
            Command::Say(_) => Ok(Reply::Done),
            Command::Status => Ok(Reply::Status(self.sim.status())),
            Command::Stats => Ok(Reply::Stats(Box::new(StatsReport::of(&self.sim)))),
            Command::Expect(cond) => match cond
                .exists_in(&self.sim)
                .map_err(Failure::Error)
                .map(|()| cond.check(&self.sim))?
            {
                Ok(()) => Ok(Reply::Done),
                Err(found) => Err(Failure::Expectation(format!(
                    "`{cond}` does not hold at {}: it is {found}",
                    crate::options::human_duration(self.sim.now())
                ))),
            },
        }
    }
}

/// A whole scenario, parsed: its `cluster` line and its commands with their
/// line numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Script {
    /// The `cluster` line.
    pub cluster: ClusterSpec,
    /// Every later command, with its 1-based line number.
    pub commands: Vec<(usize, Command)>,
}

/// The most lines a scenario may have.
pub const MAX_LINES: usize = 100_000;

/// Parses a whole scenario. Nothing runs unless every line is good.
pub fn parse_script(text: &str) -> Result<Script, (usize, String)> {
    let mut cluster: Option<ClusterSpec> = None;
    let mut commands = Vec::new();
    let mut added = 0;
    // A byte-order mark is how some editors start a UTF-8 file; it is no
    // part of the first line.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    for (i, line) in text.lines().enumerate() {
        let number = i + 1;
        if number > MAX_LINES {
            return Err((number, format!("a scenario has at most {MAX_LINES} lines")));
        }
        let size = cluster.as_ref().map_or(crate::sim::MAX_NODES, |c| c.nodes) + added;
        let Some(command) = parse_command(line, size).map_err(|e| (number, e))? else {
            continue;
        };
        if let Command::Add(node) = command {
            // Later lines may name the node added (if the goose refuses,
            // they fail when they run, with the reason).
            added = added.max((node + 1).saturating_sub(size - added));
        }
        match (command, &cluster) {
            (Command::Cluster(spec), None) => cluster = Some(spec),
            (Command::Cluster(_), Some(_)) => {
                return Err((
                    number,
                    "cluster may only be the first line: it starts a new run".into(),
                ))
            }
            (_, None) => {
                return Err((
                    number,
                    "a scenario starts with a cluster line, like `cluster nodes=5 seed=42`".into(),
                ))
            }
            (command, Some(_)) => commands.push((number, command)),
        }
    }
    let cluster = cluster.ok_or((
        1,
        "the scenario is empty: it needs at least a cluster line".to_string(),
    ))?;
    Ok(Script { cluster, commands })
}

/// Runs a scenario as `ddg run` does: JSON lines and (with `trace`) trace
/// lines to `out`, errors and warnings to `err`. Returns the exit code: 0, or
/// [`EXIT_FAILED`] for a failed expectation, or [`EXIT_ERROR`] for bad input
/// or for output that could not be written (a full disk, a closed pipe): a
/// run whose results were lost must not look like a success.
/// `default_seed` is used, and reported, when the cluster line has no seed.
pub fn run_script(
    text: &str,
    default_seed: u64,
    trace: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    run_script_keeping(text, default_seed, trace, out, err).0
}

/// Like [`run_script`], and also hands back the run as it ended (`None` if
/// the scenario did not parse or the output could not be written), for what
/// the caller wants to read from it: `ddg run --elections` writes its
/// election records.
pub fn run_script_keeping(
    text: &str,
    default_seed: u64,
    trace: bool,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (i32, Option<Session>) {
    run_script_limited(text, default_seed, trace, MAX_RUN_EVENTS, out, err)
}

/// The most events one `run` line may process in `ddg run` unless
/// `--max-events` says otherwise: about ten seconds of work.
pub const MAX_RUN_EVENTS: u64 = 100_000_000;

/// [`run_script`] with a budget: a `run` line that processes more than
/// `max_events` events stops with an error ([`EXIT_ERROR`]) that says so.
/// The trace is written as the run goes, a simulated second at a time, so
/// memory stays bounded however long the line.
pub fn run_script_limited(
    text: &str,
    default_seed: u64,
    trace: bool,
    max_events: u64,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> (i32, Option<Session>) {
    match run_script_writing(text, default_seed, trace, max_events, out, err) {
        Ok(ended) => ended,
        Err(e) => {
            // Standard error may be what failed; there is nowhere else to say.
            let _ = writeln!(err, "error: cannot write the output: {e}");
            (EXIT_ERROR, None)
        }
    }
}

fn run_script_writing(
    text: &str,
    default_seed: u64,
    trace: bool,
    max_events: u64,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> std::io::Result<(i32, Option<Session>)> {
    let script = match parse_script(text) {
        Ok(s) => s,
        Err((line, why)) => {
            writeln!(err, "error: line {line}: {why}")?;
            return Ok((EXIT_ERROR, None));
        }
    };
    if script.cluster.seed.is_none() {
        writeln!(
            err,
            "seed: {default_seed} (drawn at random; add seed={default_seed} to the cluster line to replay this run)"
        )?;
    }
    let mut session = Session::new(&script.cluster, default_seed);
    session.sim_mut().set_recording(trace);
    for warning in session.sim().options().warnings() {
        writeln!(err, "warning: {warning}")?;
    }
    for (line, command) in &script.commands {
        if let (true, Command::Say(text)) = (trace, command) {
            let t = crate::sim::event::exact_ms(session.sim().now());
            writeln!(out, "{t:>14}  say: {text}")?;
        }
        let before = session.sim().options().clone();
        let result = match command {
            Command::Run { duration, watch } => {
                let start = session.sim().stats().events;
                let mut failed_write = None;
                let mut between = |sim: &mut Simulation| {
                    for record in sim.take_records() {
                        if let Err(e) = writeln!(out, "{}", record.trace_line()) {
                            failed_write = Some(e);
                            return Err("the output could not be written".to_string());
                        }
                    }
                    let events = sim.stats().events - start;
                    if events > max_events {
                        return Err(format!(
                            "this run line stopped at {} after {events} events, more than the limit of {max_events} (raise it with --max-events)",
                            crate::options::human_duration(sim.now())
                        ));
                    }
                    Ok(())
                };
                let result = session.run_paced(*duration, watch, SECOND, &mut between);
                if let Some(e) = failed_write {
                    return Err(e);
                }
                result
            }
            _ => session.exec(command),
        };
        for record in session.sim_mut().take_records() {
            writeln!(out, "{}", record.trace_line())?;
        }
        if *session.sim().options() != before {
            for warning in session.sim().options().warnings() {
                writeln!(err, "warning: line {line}: {warning}")?;
            }
        }
        match result {
            Ok(Reply::Nothing(why) | Reply::Warned(why)) => {
                writeln!(err, "warning: line {line}: {why}")?;
            }
            Ok(reply) => {
                if let Some(json) = reply.json() {
                    writeln!(out, "{json}")?;
                }
            }
            Err(Failure::Error(why)) => {
                writeln!(err, "error: line {line}: {why}")?;
                return Ok((EXIT_ERROR, Some(session)));
            }
            Err(Failure::Expectation(why)) => {
                writeln!(
                    err,
                    "expect failed: line {line}: {why} (seed {})",
                    session.sim().seed()
                )?;
                return Ok((EXIT_FAILED, Some(session)));
            }
        }
    }
    out.flush()?;
    Ok((0, Some(session)))
}

/// Every election record of a run as CSV, with a header line.
pub fn elections_csv(sim: &Simulation) -> String {
    let mut csv = String::from(ElectionRecord::CSV_HEADER);
    csv.push('\n');
    for record in sim.stats().elections.iter() {
        csv += &record.csv_row();
        csv.push('\n');
    }
    csv
}
