//! Parsing: one line of the scenario language into one [`Command`].
//!
//! The grammar is line-oriented and small on purpose (see [`crate::script`]
//! for the whole language). Every error says what is wrong and why, so that
//! `error: line N: …` is all a person needs to fix the line.

use crate::message::NodeId;
use crate::options::{Micros, Options};
use crate::sim::network::MessageId;
use crate::sim::MAX_NODES;

use super::duration::{parse_duration, parse_percent, parse_span};
use super::expect::{parse_condition, Condition};

/// A node as a script names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Target {
    /// `n1`…`nN`.
    Node(NodeId),
    /// `goose`: whichever node is goose when the line runs.
    Goose,
}

impl Target {
    /// How a script writes it: `n3` or `goose`.
    pub fn name(self) -> String {
        match self {
            Target::Node(n) => crate::message::node_name(n),
            Target::Goose => "goose".into(),
        }
    }
}

/// The `cluster` line: everything a run starts from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClusterSpec {
    /// Number of nodes.
    pub nodes: u32,
    /// The seed, if given; otherwise the caller draws one.
    pub seed: Option<u64>,
    /// The options.
    pub options: Options,
}

/// The changes of one `set` line; `None` keeps the current value.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Settings {
    election: Option<crate::options::Span>,
    heartbeat: Option<Micros>,
    latency: Option<crate::options::Span>,
    loss: Option<crate::options::PartsPerMillion>,
    check_quorum: Option<bool>,
    pre_vote: Option<bool>,
    disk: Option<crate::options::Span>,
    jitter: Option<Micros>,
}

impl From<&Options> for Settings {
    /// Settings that set every option to its value in `options`.
    fn from(options: &Options) -> Settings {
        Settings {
            election: Some(options.election),
            heartbeat: Some(options.heartbeat),
            latency: Some(options.latency),
            loss: Some(options.loss),
            check_quorum: Some(options.check_quorum),
            pre_vote: Some(options.pre_vote),
            disk: Some(options.disk),
            jitter: Some(options.jitter),
        }
    }
}

impl Settings {
    /// `options` with these changes made.
    pub fn applied_to(&self, options: &Options) -> Options {
        Options {
            election: self.election.unwrap_or(options.election),
            heartbeat: self.heartbeat.unwrap_or(options.heartbeat),
            latency: self.latency.unwrap_or(options.latency),
            loss: self.loss.unwrap_or(options.loss),
            check_quorum: self.check_quorum.unwrap_or(options.check_quorum),
            pre_vote: self.pre_vote.unwrap_or(options.pre_vote),
            disk: self.disk.unwrap_or(options.disk),
            jitter: self.jitter.unwrap_or(options.jitter),
        }
    }
}

/// How `run` watches a condition while it runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Watch {
    /// `run 2s until COND`: stop as soon as COND holds; fail if it never does.
    Until,
    /// `run 2s until COND or timeout`: stop as soon as COND holds; if it
    /// never does, run the whole duration, warn and go on.
    UntilOrTimeout,
    /// `run 2s always COND`: COND must hold after every event.
    Always,
}

/// One command of the scenario language.
#[derive(Clone, Debug, PartialEq)]
pub enum Command {
    /// `cluster nodes=5 seed=42 election=150ms..300ms …`
    Cluster(ClusterSpec),
    /// `run 2s`, `run 2s until COND`, `run 2s always COND`
    Run {
        /// How long.
        duration: Micros,
        /// A condition to watch, if any.
        watch: Option<(Watch, Condition)>,
    },
    /// `kill n1`, `kill goose`, `kill n1 amnesia`
    Kill {
        /// Whom.
        target: Target,
        /// Whether it also loses its disk.
        amnesia: bool,
    },
    /// `revive n1`
    Revive(Target),
    /// `revive dead`: every dead node.
    ReviveDead,
    /// `timeout n4`
    Timeout(Target),
    /// `isolate n3`
    Isolate(Target),
    /// `reconnect n3`
    Reconnect(Target),
    /// `partition n1,n2 | n3,n4,n5`
    Partition(Vec<Vec<Target>>),
    /// `cut n1->n2` (n2 stops hearing n1, which still hears n2), or
    /// `uncut n1->n2` (restores it).
    Cut {
        /// The sender.
        from: Target,
        /// The receiver that stops hearing it.
        to: Target,
        /// Cut (`cut`) or restore (`uncut`).
        cut: bool,
    },
    /// `heal`
    Heal,
    /// `set election=12ms..24ms loss=5%`
    Set(Settings),
    /// `drop m12`
    Drop(MessageId),
    /// `request`, `request 3`: client requests to the goose (§5.3)
    Request(u32),
    /// `add n6`: the goose adds a node (dissertation §4.2.1)
    Add(NodeId),
    /// `remove n3`, `remove goose`: the goose removes a node (§4.2.2)
    Remove(Target),
    /// `status`
    Status,
    /// `stats`
    Stats,
    /// `expect COND`
    Expect(Condition),
    /// `say TEXT`: a caption for people (lessons); changes nothing.
    Say(String),
}

/// The longest line accepted, in bytes.
pub const MAX_LINE: usize = 4096;

/// Reads `n3` (or `goose`) in a cluster of `size` nodes.
pub fn parse_target(word: &str, size: u32) -> Result<Target, String> {
    if word == "goose" {
        return Ok(Target::Goose);
    }
    parse_node(word, size).map(Target::Node)
}

pub use super::names::parse_node;

fn on_off(key: &str, value: &str) -> Result<bool, String> {
    match value {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("`{key}` is on or off, not `{value}`")),
    }
}

/// Splits `key=value` words and hands each pair to `f`.
fn key_values(
    words: &[&str],
    mut f: impl FnMut(&str, &str) -> Result<(), String>,
) -> Result<(), String> {
    let mut seen: Vec<&str> = Vec::new();
    for word in words {
        let (key, value) = word
            .split_once('=')
            .ok_or_else(|| format!("`{word}` is not a key=value pair"))?;
        if value.is_empty() {
            return Err(format!("`{key}` has no value"));
        }
        if seen.contains(&key) {
            return Err(format!("`{key}` is given twice"));
        }
        seen.push(key);
        f(key, value)?;
    }
    Ok(())
}

const OPTION_KEYS: &str = "election, heartbeat, latency, loss, checkquorum, prevote, disk, jitter";

fn setting(settings: &mut Settings, key: &str, value: &str) -> Result<bool, String> {
    match key {
        "election" => settings.election = Some(parse_span(value)?),
        "heartbeat" => settings.heartbeat = Some(parse_duration(value)?),
        "latency" => settings.latency = Some(parse_span(value)?),
        "loss" => settings.loss = Some(parse_percent(value)?),
        "checkquorum" => settings.check_quorum = Some(on_off(key, value)?),
        "prevote" => settings.pre_vote = Some(on_off(key, value)?),
        "disk" => settings.disk = Some(parse_span(value)?),
        "jitter" => settings.jitter = Some(parse_duration(value)?),
        _ => return Ok(false),
    }
    Ok(true)
}

fn parse_cluster(words: &[&str]) -> Result<ClusterSpec, String> {
    let mut nodes = 5;
    let mut seed = None;
    let mut settings = Settings::default();
    key_values(words, |key, value| {
        match key {
            "nodes" => {
                nodes = match value.parse::<u32>() {
                    Ok(n) if (1..=MAX_NODES).contains(&n) => n,
                    _ => {
                        return Err(format!(
                            "nodes={value}: a cluster has 1 to {MAX_NODES} nodes"
                        ))
                    }
                }
            }
            "seed" => {
                seed = Some(value.parse::<u64>().map_err(|_| {
                    format!("seed={value}: a seed is a whole number from 0 to 18446744073709551615")
                })?)
            }
            _ => {
                if !setting(&mut settings, key, value)? {
                    return Err(format!(
                        "`{key}` is not a cluster key: use nodes, seed, {OPTION_KEYS}"
                    ));
                }
            }
        }
        Ok(())
    })?;
    let options = settings.applied_to(&Options::default());
    options.validate()?;
    Ok(ClusterSpec {
        nodes,
        seed,
        options,
    })
}

fn parse_set(words: &[&str]) -> Result<Settings, String> {
    if words.is_empty() {
        return Err(format!("set needs at least one key=value: {OPTION_KEYS}"));
    }
    let mut settings = Settings::default();
    key_values(words, |key, value| match key {
        "nodes" | "seed" => Err(format!(
            "`{key}` is fixed for a run: change it on the cluster line and start again"
        )),
        _ if setting(&mut settings, key, value)? => Ok(()),
        _ => Err(format!("`{key}` is not a setting: use {OPTION_KEYS}")),
    })?;
    Ok(settings)
}

fn one_target(command: &str, args: &[&str], size: u32) -> Result<Target, String> {
    match args {
        [word] => parse_target(word, size),
        [] => Err(format!("{command} needs a node, like `{command} n1`")),
        _ => Err(format!("{command} takes one node, like `{command} n1`")),
    }
}

fn parse_partition(rest: &str, size: u32) -> Result<Vec<Vec<Target>>, String> {
    if rest.trim().is_empty() {
        return Err("partition needs groups, like `partition n1,n2 | n3,n4,n5`".into());
    }
    let mut groups = Vec::new();
    for group in rest.split('|') {
        let members: Vec<&str> = group
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|w| !w.is_empty())
            .collect();
        let members = members
            .iter()
            .map(|w| parse_target(w, size))
            .collect::<Result<Vec<_>, _>>()?;
        groups.push(members);
    }
    crate::sim::network::check_groups(&groups, Target::name)?;
    Ok(groups)
}

/// Reads `cut n1->n2` (or `uncut n1->n2`): one link, from and to.
fn parse_link(command: &str, args: &[&str], size: u32) -> Result<Command, String> {
    let link = match args {
        [word] => word.split_once("->"),
        _ => None,
    };
    let Some((from, to)) = link else {
        return Err(format!(
            "{command} takes one link, like `{command} n1->n2` (n2 stops hearing n1)"
        ));
    };
    let (from, to) = (parse_target(from, size)?, parse_target(to, size)?);
    if from == to {
        return Err("a node always hears itself".into());
    }
    Ok(Command::Cut {
        from,
        to,
        cut: command == "cut",
    })
}

fn parse_run(args: &[&str], rest: &str, size: u32) -> Result<Command, String> {
    let Some(first) = args.first() else {
        return Err("run needs a duration, like `run 2s`".into());
    };
    let duration = parse_duration(first)?;
    let watch = match args.get(1) {
        None => None,
        Some(&word) => {
            let mode = match word {
                "until" => Watch::Until,
                "always" => Watch::Always,
                _ => {
                    return Err(format!(
                        "`{word}` after the duration: write `run 2s`, `run 2s until COND` or `run 2s always COND`"
                    ))
                }
            };
            let condition_text = rest.split_once(word).map(|(_, c)| c).unwrap_or_default();
            let lenient = condition_text
                .trim_end()
                .strip_suffix("or timeout")
                .filter(|c| mode == Watch::Until && c.ends_with(char::is_whitespace));
            match lenient {
                Some(c) => Some((Watch::UntilOrTimeout, parse_condition(c, size)?)),
                None => Some((mode, parse_condition(condition_text, size)?)),
            }
        }
    };
    Ok(Command::Run { duration, watch })
}

/// The text after the command word `name` on a raw line (comment included).
fn raw_rest<'a>(line: &'a str, name: &str) -> &'a str {
    let trimmed = line.trim_start();
    trimmed[name.len().min(trimmed.len())..].trim()
}

/// Strips a trailing `# comment` and surrounding space.
pub fn strip_comment(line: &str) -> &str {
    line.split('#').next().unwrap_or_default().trim()
}

/// Parses one line (without its comment) in a cluster of `size` nodes.
/// Returns `Ok(None)` for a blank line.
pub fn parse_command(line: &str, size: u32) -> Result<Option<Command>, String> {
    if line.len() > MAX_LINE {
        return Err(format!("the line is longer than {MAX_LINE} characters"));
    }
    let line_with_comment = line;
    let line = strip_comment(line);
    let words: Vec<&str> = line.split_whitespace().collect();
    let Some((&name, args)) = words.split_first() else {
        return Ok(None);
    };
    let rest = line[name.len()..].trim();
    let no_args = |command: Command| {
        if args.is_empty() {
            Ok(command)
        } else {
            Err(format!("{name} takes no arguments"))
        }
    };
    let command = match name {
        "cluster" => Command::Cluster(parse_cluster(args)?),
        "run" => parse_run(args, rest, size)?,
        "kill" => match args {
            [word, "amnesia"] => Command::Kill {
                target: parse_target(word, size)?,
                amnesia: true,
            },
            [_, other] => {
                return Err(format!(
                    "`{other}` after kill's node: only `amnesia` may follow"
                ))
            }
            _ => Command::Kill {
                target: one_target(name, args, size)?,
                amnesia: false,
            },
        },
        "revive" if args == ["dead"] => Command::ReviveDead,
        "revive" => Command::Revive(one_target(name, args, size)?),
        "timeout" => Command::Timeout(one_target(name, args, size)?),
        "isolate" => Command::Isolate(one_target(name, args, size)?),
        "reconnect" => Command::Reconnect(one_target(name, args, size)?),
        "partition" => Command::Partition(parse_partition(rest, size)?),
        "cut" | "uncut" => parse_link(name, args, size)?,
        "heal" => no_args(Command::Heal)?,
        "set" => Command::Set(parse_set(args)?),
        "drop" => match args {
            [word] => Command::Drop(
                word.strip_prefix('m')
                    .and_then(|d| d.parse::<MessageId>().ok())
                    .ok_or_else(|| format!("`{word}` is not a message: messages are m1, m2, …"))?,
            ),
            _ => return Err("drop takes one message, like `drop m12`".into()),
        },
        "request" => match args {
            [] => Command::Request(1),
            [n] => Command::Request(
                n.parse::<u32>()
                    .ok()
                    .filter(|n| (1..=crate::sim::MAX_REQUESTS).contains(n))
                    .ok_or_else(|| {
                        format!(
                            "`{n}` is not a number of requests: use 1 to {}",
                            crate::sim::MAX_REQUESTS
                        )
                    })?,
            ),
            _ => return Err("request takes at most a count, like `request 3`".into()),
        },
        "add" => match args {
            [word] => Command::Add(parse_node(word, crate::config::MAX_SLOTS)?),
            _ => return Err("add takes one node, like `add n6`".into()),
        },
        "remove" => Command::Remove(one_target(name, args, size)?),
        "status" => no_args(Command::Status)?,
        "stats" => no_args(Command::Stats)?,
        "expect" => Command::Expect(parse_condition(rest, size)?),
        "say" => {
            // A caption is the rest of the line, verbatim: a `#` in it is
            // text, not a comment.
            let text = raw_rest(line_with_comment, name);
            if text.is_empty() {
                return Err("say needs some text, like `say The goose is dead.`".into());
            }
            Command::Say(text.to_string())
        }
        _ => {
            return Err(format!(
                "unknown command `{name}`: the commands are cluster, run, kill, revive, timeout, \
                 isolate, reconnect, partition, cut, uncut, heal, set, drop, request, status, stats, \
                 expect, say"
            ))
        }
    };
    Ok(Some(command))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(line: &str) -> Result<Command, String> {
        parse_command(line, 5).map(|c| c.expect("not blank"))
    }

    #[test]
    fn disk_and_jitter_parse_on_cluster_and_set_lines_and_print_back() {
        let Ok(Command::Cluster(spec)) = parse("cluster disk=5ms..10ms jitter=1ms") else {
            panic!("the cluster line should parse");
        };
        assert_eq!(spec.options.disk, crate::options::Span::new(5_000, 10_000));
        assert_eq!(spec.options.jitter, 1_000);
        assert!(spec
            .options
            .to_string()
            .ends_with(" disk=5ms..10ms jitter=1ms"));
        let Ok(Command::Set(settings)) = parse("set disk=2ms jitter=0ms") else {
            panic!("the set line should parse");
        };
        let changed = settings.applied_to(&spec.options);
        assert_eq!(changed.disk, crate::options::Span::new(2_000, 2_000));
        assert_eq!(changed.jitter, 0);
        assert_eq!(changed.election, spec.options.election);
        assert!(parse("cluster disk=10ms..5ms").is_err());
        assert!(parse("set jitter=fast").is_err());
    }

    #[test]
    fn revive_dead_names_every_dead_node() {
        assert_eq!(parse("revive dead"), Ok(Command::ReviveDead));
        assert_eq!(parse("revive n2"), Ok(Command::Revive(Target::Node(1))));
        assert!(parse("revive dead n2").is_err());
    }

    #[test]
    fn run_until_or_timeout_parses_to_a_lenient_watch() {
        let Ok(Command::Run { duration, watch }) = parse("run 10s until geese = 1 or timeout")
        else {
            panic!("should parse");
        };
        assert_eq!(duration, 10_000_000);
        let (mode, cond) = watch.expect("a watch");
        assert_eq!(mode, Watch::UntilOrTimeout);
        assert_eq!(cond.to_string(), "geese = 1");
        let Ok(Command::Run { watch, .. }) = parse("run 1s until geese = 1") else {
            panic!("should parse");
        };
        assert_eq!(watch.map(|w| w.0), Some(Watch::Until));
    }

    #[test]
    fn the_documented_cluster_line_parses_to_the_defaults() {
        let line = "cluster nodes=5 seed=42 election=150ms..300ms heartbeat=50ms latency=10ms..15ms loss=0% checkquorum=on prevote=off";
        assert_eq!(
            parse(line),
            Ok(Command::Cluster(ClusterSpec {
                nodes: 5,
                seed: Some(42),
                options: Options::default()
            }))
        );
        assert_eq!(
            parse("cluster"),
            Ok(Command::Cluster(ClusterSpec {
                nodes: 5,
                seed: None,
                options: Options::default()
            }))
        );
    }

    #[test]
    fn every_documented_command_parses() {
        for line in [
            "run 2s",
            "kill goose",
            "run 1500ms",
            "status",
            "partition n1,n2 | n3,n4,n5",
            "heal",
            "isolate n3",
            "revive n1",
            "timeout n4",
            "set election=12ms..24ms loss=5%",
            "stats",
            "kill n2 amnesia",
            "reconnect n3",
            "cut n1->n2",
            "uncut goose->n4",
            "drop m7",
            "request",
            "request 3",
            "expect n3.commit >= 4",
            "expect commit = 2",
            "expect n1.last_index = 0",
            "expect n1.last_term = 0",
            "expect goose != n1",
            "run 2s until geese = 1",
            "run 1s always violations = 0",
            "say The goose is dead. # Long live the goose!",
        ] {
            assert!(parse(line).is_ok(), "{line}: {:?}", parse(line));
        }
        assert_eq!(parse_command("   # only a comment", 5), Ok(None));
        assert_eq!(parse("heal # with a comment"), Ok(Command::Heal));
        assert_eq!(parse("request"), Ok(Command::Request(1)));
        assert_eq!(parse("request 1000"), Ok(Command::Request(1000)));
        assert_eq!(parse("add n6"), Ok(Command::Add(5)));
        assert_eq!(parse("add n128"), Ok(Command::Add(127)));
        assert_eq!(parse("remove goose"), Ok(Command::Remove(Target::Goose)));
        assert_eq!(parse("remove n3"), Ok(Command::Remove(Target::Node(2))));
    }

    #[test]
    fn bad_input_gets_a_reason() {
        for (line, why) in [
            ("frobnicate", "unknown command `frobnicate`"),
            ("cluster nodes=0", "1 to 101 nodes"),
            ("cluster nodes=102", "1 to 101 nodes"),
            ("cluster loss=150%", "above 100%"),
            ("cluster colour=blue", "not a cluster key"),
            (
                "cluster election=300ms..150ms",
                "minimum is above the maximum",
            ),
            ("cluster election=0ms", "at least 1ms"),
            ("cluster heartbeat=fast", "not a duration"),
            ("cluster seed=-1", "a seed is a whole number"),
            ("cluster nodes=3 nodes=4", "given twice"),
            ("kill n9", "does not exist: the cluster has 5 nodes"),
            ("kill", "needs a node"),
            ("kill n1 n2", "only `amnesia` may follow"),
            ("revive x", "not a node"),
            ("revive n01", "not a node"),
            ("revive n0", "not a node"),
            ("run", "needs a duration"),
            ("run 2", "no unit"),
            ("run 2s maybe", "`maybe` after the duration"),
            ("run 2s always geese = 1 or timeout", "timeout"),
            ("set nodes=3", "fixed for a run"),
            ("set", "at least one key=value"),
            ("set speed=2", "not a setting"),
            ("partition n1 | n1", "named in two groups"),
            ("partition n1 |", "group of the partition is empty"),
            ("heal now", "takes no arguments"),
            ("cut", "takes one link"),
            ("cut n1->n2 n3->n2", "takes one link"),
            ("uncut n1-n2", "takes one link"),
            ("cut n1->n1", "always hears itself"),
            ("cut n1->n9", "does not exist"),
            ("cut n1->", "not a node"),
            ("drop 12", "not a message"),
            ("set checkquorum=yes", "on or off"),
            ("say", "needs some text"),
            ("request 0", "use 1 to 1000"),
            ("request 1001", "use 1 to 1000"),
            ("request many", "not a number of requests"),
            ("request 1 2", "at most a count"),
            ("expect n1.log = 3", "last_term, member or members"),
            ("add", "takes one node"),
            ("add n6 n7", "takes one node"),
            ("add six", "not a node"),
            ("remove", "needs a node"),
            ("remove n9", "does not exist"),
        ] {
            let err = parse(line).unwrap_err();
            assert!(err.contains(why), "{line}: {err}");
        }
    }
}
