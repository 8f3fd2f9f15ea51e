//! The scenario language's second world: the same lines that drive the
//! simulator (`run 2s`, `kill goose`, `revive n1`, `partition … | …`, `heal`,
//! `request`, `add n4`, `remove n2`, `status`, `expect`) act on a
//! [`LocalCluster`] of real processes, in wall time. `ddg cluster run FILE`
//! uses it; so does `ddg cluster up` for the page's buttons.

use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

use serde_json::Value as Json;

use crate::message::{node_name, NodeId};
use crate::options::{format_percent, human_duration, Micros, Options, Time, SECOND};
use crate::script::expect::{Field, Quantity, Value};
use crate::script::parse::{Command, Target, Watch};
use crate::script::{parse_script, Condition, Failure, EXIT_ERROR, EXIT_FAILED};
use crate::sim::{NodeStatus, Status};

use super::cluster::{geese, Layout, LocalCluster, Seen, REQUEST_WAIT};
/// The scenario language's world of real processes (see the module doc).
pub struct RealWorld {
    cluster: LocalCluster,
    start: Instant,
}

impl RealWorld {
    /// Wraps a running cluster; `t` counts from now.
    pub fn new(cluster: LocalCluster) -> RealWorld {
        RealWorld {
            cluster,
            start: Instant::now(),
        }
    }

    /// The cluster.
    pub fn cluster(&mut self) -> &mut LocalCluster {
        &mut self.cluster
    }

    fn now(&self) -> Time {
        self.start.elapsed().as_micros() as Time
    }

    fn resolve(&mut self, t: Target) -> Result<NodeId, Failure> {
        match t {
            Target::Node(n) => Ok(n),
            Target::Goose => match geese(&self.cluster.observe())[..] {
                [g] => Ok(g),
                [] => Err(Failure::Error(
                    "`goose` names nobody: there is no goose now".into(),
                )),
                _ => Err(Failure::Error(
                    "`goose` is ambiguous: several nodes say goose".into(),
                )),
            },
        }
    }

    /// The `status` line: the simulator's format, read from the processes.
    pub fn status(&mut self) -> Status {
        let seen = self.cluster.observe();
        let size = self.cluster.size();
        Status {
            t_us: self.now(),
            nodes: seen
                .iter()
                .enumerate()
                .map(|(i, s)| NodeStatus {
                    id: node_name(i as u32),
                    alive: !matches!(s, Seen::Dead),
                    role: match s.role() {
                        "goose" => "goose",
                        "uncrowned" => "uncrowned",
                        "duck" => "duck",
                        "candidate" => "candidate",
                        "precandidate" => "precandidate",
                        "dead" => "dead",
                        _ => "unreachable",
                    },
                    term: s.term().unwrap_or(0),
                    voted_for: s.node_field("voted_for", size).map(node_name),
                    leader: s.node_field("leader", size).map(node_name),
                    // A spare slot never started is no member; a node that
                    // does not answer is shown as one (as far as we know).
                    member: match s {
                        Seen::Up(j) => j["member"] != false,
                        Seen::Dead | Seen::Unreachable => self.cluster.started(i as NodeId),
                    },
                })
                .collect(),
        }
    }

    fn read(&mut self, q: Quantity) -> Result<Value, Failure> {
        let seen = self.cluster.observe();
        let size = self.cluster.size();
        Ok(match q {
            Quantity::Goose => match geese(&seen)[..] {
                [g] => Value::Node(Some(g)),
                _ => Value::Node(None),
            },
            Quantity::Geese => Value::Number(geese(&seen).len() as u64),
            Quantity::Time => Value::Number(self.now()),
            Quantity::MaxTerm => {
                Value::Number(seen.iter().filter_map(Seen::term).max().unwrap_or(0))
            }
            Quantity::Node(i, field) => {
                let s = &seen[i as usize];
                match field {
                    Field::Role => Value::Role(s.role().to_string()),
                    Field::Term => match s.term() {
                        Some(t) => Value::Number(t),
                        None => {
                            return Err(Failure::Expectation(format!(
                                "{} did not answer",
                                node_name(i)
                            )))
                        }
                    },
                    Field::VotedFor => Value::Node(s.node_field("voted_for", size)),
                    Field::Leader => Value::Node(s.node_field("leader", size)),
                    Field::Alive => Value::Bool(!matches!(s, Seen::Dead)),
                    Field::Member | Field::Members => {
                        let Seen::Up(j) = s else {
                            return Err(Failure::Expectation(format!(
                                "{} did not answer",
                                node_name(i)
                            )));
                        };
                        if field == Field::Member {
                            Value::Bool(j["member"] == true)
                        } else {
                            Value::Number(j["members"].as_array().map_or(0, |m| m.len() as u64))
                        }
                    }
                    Field::Commit | Field::LastIndex | Field::LastTerm => {
                        let key = match field {
                            Field::Commit => "commit",
                            Field::LastIndex => "last_index",
                            _ => "last_term",
                        };
                        match s.log_field(key) {
                            Some(v) => Value::Number(v),
                            None => {
                                return Err(Failure::Expectation(format!(
                                    "{} did not answer",
                                    node_name(i)
                                )))
                            }
                        }
                    }
                }
            }
            // The highest commit index among the nodes that answer, as in
            // the simulator (which counts the live ones).
            Quantity::Commit => Value::Number(
                seen.iter()
                    .filter_map(|s| s.log_field("commit"))
                    .max()
                    .unwrap_or(0),
            ),
            Quantity::Violations(_) | Quantity::Stat(_) | Quantity::InFlight { .. } => {
                return Err(Failure::Error(
                    "violations, stats and inflight are the simulator's: a real cluster has no \
                     global observer (the fault test's checker reads the event logs instead)"
                        .into(),
                ))
            }
        })
    }

    fn check(&mut self, cond: &Condition) -> Result<Result<(), Value>, Failure> {
        Ok(cond.check_value(self.read(cond.quantity)?))
    }

    fn run(&mut self, duration: Micros, watch: &Option<(Watch, Condition)>) -> Result<(), Failure> {
        let end = Instant::now() + Duration::from_micros(duration);
        let poll = Duration::from_millis(10);
        match watch {
            None => {
                std::thread::sleep(end.saturating_duration_since(Instant::now()));
                Ok(())
            }
            Some((mode @ (Watch::Until | Watch::UntilOrTimeout), cond)) => loop {
                let found = match self.check(cond)? {
                    Ok(()) => return Ok(()),
                    Err(v) => v,
                };
                if Instant::now() >= end && *mode == Watch::UntilOrTimeout {
                    return Ok(());
                }
                if Instant::now() >= end {
                    return Err(Failure::Expectation(format!(
                        "`{cond}` did not happen within {} (it is {found})",
                        human_duration(duration)
                    )));
                }
                std::thread::sleep(poll);
            },
            Some((Watch::Always, cond)) => loop {
                if let Err(found) = self.check(cond)? {
                    return Err(Failure::Expectation(format!(
                        "`{cond}` stopped holding at {} (it is {found})",
                        human_duration(self.now())
                    )));
                }
                if Instant::now() >= end {
                    return Ok(());
                }
                std::thread::sleep(poll);
            },
        }
    }

    /// Runs one line; `Ok(Some(json))` for `status`.
    pub fn exec(&mut self, command: &Command) -> Result<Option<String>, Failure> {
        let e = Failure::Error;
        match command {
            Command::Cluster(_) => Err(e("cluster may only be the first line".into())),
            Command::Run { duration, watch } => self.run(*duration, watch).map(|()| None),
            Command::Kill { target, amnesia } => {
                let n = self.resolve(*target)?;
                self.cluster.kill(n).map_err(e)?;
                if *amnesia {
                    self.cluster.wipe(n).map_err(e)?;
                }
                Ok(None)
            }
            Command::Revive(t) => {
                let n = self.resolve(*t)?;
                self.cluster.revive(n).map_err(e).map(|()| None)
            }
            Command::ReviveDead => {
                for n in 0..self.cluster.size() {
                    if !self.cluster.is_running(n) {
                        self.cluster.revive(n).map_err(e)?;
                    }
                }
                Ok(None)
            }
            Command::Timeout(t) => {
                let n = self.resolve(*t)?;
                self.cluster.timeout(n).map_err(e).map(|()| None)
            }
            Command::Isolate(t) => {
                let n = self.resolve(*t)?;
                self.cluster.isolate(n).map_err(e).map(|()| None)
            }
            Command::Reconnect(t) => {
                let n = self.resolve(*t)?;
                self.cluster.reconnect(n).map_err(e).map(|()| None)
            }
            Command::Partition(groups) => {
                let groups = groups
                    .iter()
                    .map(|g| g.iter().map(|&t| self.resolve(t)).collect())
                    .collect::<Result<Vec<Vec<NodeId>>, Failure>>()?;
                self.cluster.partition(&groups).map_err(e).map(|()| None)
            }
            Command::Heal => self.cluster.heal().map_err(e).map(|()| None),
            Command::Status => Ok(serde_json::to_string(&self.status()).ok()),
            Command::Say(_) => Ok(None),
            Command::Expect(cond) => match self.check(cond)? {
                Ok(()) => Ok(None),
                Err(found) => Err(Failure::Expectation(format!(
                    "`{cond}` does not hold at {}: it is {found}",
                    human_duration(self.now())
                ))),
            },
            // The slot's process starts (if down) and the goose adds it; the
            // line ends when the change commits (dissertation §4.2.1).
            Command::Add(n) => {
                if *n >= self.cluster.size() {
                    return Err(e(format!(
                        "{} is not a slot of this cluster ({} slots)",
                        node_name(*n),
                        self.cluster.size()
                    )));
                }
                self.cluster.add(*n).map_err(e).map(|_| None)
            }
            // The goose removes it; once that commits, its process stops.
            Command::Remove(t) => {
                let n = self.resolve(*t)?;
                self.cluster.remove(n).map_err(e).map(|_| None)
            }
            Command::Set(_) | Command::Drop(_) | Command::Stats | Command::Cut { .. } => Err(e(
                "set, drop, cut, uncut and stats act on the simulator only, not on a real cluster"
                    .into(),
            )),
            Command::Request(count) => {
                // Like the simulator: the goose takes them, and with no
                // goose they are refused. Each answer waits for its commit.
                let g = match geese(&self.cluster.observe())[..] {
                    [g] => g,
                    [] => return Err(e("no goose to take the request: it is refused".into())),
                    _ => return Err(e("several nodes say goose: no request sent".into())),
                };
                let addr = self.cluster.layout().http(g);
                for _ in 0..*count {
                    let r = super::client::request(addr, "POST", "/request", REQUEST_WAIT)
                        .map_err(e)?;
                    if r.code != 200 {
                        let why: Json = serde_json::from_str(&r.body).unwrap_or_default();
                        return Err(e(format!(
                            "{} refused the request ({}): {}",
                            node_name(g),
                            r.code,
                            why["error"].as_str().unwrap_or(&r.body)
                        )));
                    }
                }
                Ok(None)
            }
        }
    }
}

/// Runs a scenario against a fresh real cluster in `dir` (the `ddg` binary
/// is `exe`). Same output and exit codes as `ddg run`: status lines to
/// `out`, errors to `err`; 0, [`EXIT_FAILED`] or [`EXIT_ERROR`].
pub fn run_scenario(
    exe: &Path,
    text: &str,
    dir: &Path,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> i32 {
    let script = match parse_script(text) {
        Ok(s) => s,
        Err((line, why)) => {
            let _ = writeln!(err, "error: line {line}: {why}");
            return EXIT_ERROR;
        }
    };
    let opts = &script.cluster.options;
    let defaults = Options::default();
    if opts.latency != defaults.latency || script.cluster.seed.is_some() {
        let _ = writeln!(
            err,
            "note: seed and latency are the simulator's; a real cluster has real timers and a real network"
        );
    }
    // Every node an `add` line names gets a spare slot, not started.
    let slots = script
        .commands
        .iter()
        .filter_map(|(_, c)| match c {
            Command::Add(n) => Some(n + 1),
            _ => None,
        })
        .fold(script.cluster.nodes, u32::max);
    let mut layout = match Layout::free_ports(slots, dir) {
        Ok(l) => l,
        Err(why) => {
            let _ = writeln!(err, "error: {why}");
            return EXIT_ERROR;
        }
    };
    layout.members = script.cluster.nodes;
    layout.node_flags = Layout::flags_for(opts);
    // Every node is held until all are up, then released together with
    // five seconds of grace that end as soon as it hears of a goose: a
    // scenario's opening `timeout n1` is not raced by whichever node booted
    // first, nor by a timer that fires while a loaded disk delays the votes.
    layout.node_flags.push("--hold".to_string());
    let cluster = match LocalCluster::start(exe, layout) {
        Ok(c) => c,
        Err(why) => {
            let _ = writeln!(err, "error: {why}");
            return EXIT_ERROR;
        }
    };
    let mut cluster = cluster;
    if let Err(why) = cluster.release(5 * SECOND) {
        let _ = writeln!(err, "error: {why}");
        return EXIT_ERROR;
    }
    let mut world = RealWorld::new(cluster);
    if opts.loss > 0 {
        let pct = opts.loss as f64 / 10_000.0;
        if let Err(why) = world.cluster().set_loss(pct) {
            let _ = writeln!(err, "error: loss={}: {why}", format_percent(opts.loss));
            return EXIT_ERROR;
        }
    }
    for (line, command) in &script.commands {
        match world.exec(command) {
            Ok(Some(json)) => {
                let _ = writeln!(out, "{json}");
            }
            Ok(None) => {}
            Err(Failure::Error(why)) => {
                let _ = writeln!(err, "error: line {line}: {why}");
                return EXIT_ERROR;
            }
            Err(Failure::Expectation(why)) => {
                let _ = writeln!(
                    err,
                    "expect failed: line {line}: {why} (logs in {})",
                    dir.display()
                );
                return EXIT_FAILED;
            }
        }
    }
    0
}
