//! The one-line JSON that `status` and `stats` print, written by hand.
//!
//! serde's derives stay on these types for the native tools; this writer is
//! what `status` and `stats` use everywhere, because serde_json's serializer,
//! compiled for every type, was some 6 KB of the page's wasm (its download
//! budget) for two replies. The output is byte for byte serde_json's (field
//! order, `null` for an absent value, its string escapes); a test holds the
//! two together.

use crate::message::node_name;
use crate::sim::invariants::Violation;
use crate::sim::stats::ElectionRecord;
use crate::sim::{NodeStatus, Status};

use super::{Durations, MessageCounts, StatsReport};

/// A JSON object being written: `{"key":value,...}`.
struct Object<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> Object<'a> {
    fn open(out: &'a mut String) -> Object<'a> {
        out.push('{');
        Object { out, first: true }
    }

    /// Starts the member `key`; its value is written next.
    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        string(self.out, key);
        self.out.push(':');
        self.out
    }

    fn u64(&mut self, key: &str, value: u64) -> &mut Self {
        number(self.key(key), value);
        self
    }

    fn opt(&mut self, key: &str, value: Option<u64>) -> &mut Self {
        match value {
            Some(v) => number(self.key(key), v),
            None => self.key(key).push_str("null"),
        }
        self
    }

    fn bool(&mut self, key: &str, value: bool) -> &mut Self {
        self.key(key).push_str(if value { "true" } else { "false" });
        self
    }

    fn str(&mut self, key: &str, value: &str) -> &mut Self {
        string(self.key(key), value);
        self
    }

    fn opt_str(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(v) => string(self.key(key), v),
            None => self.key(key).push_str("null"),
        }
        self
    }

    fn close(&mut self) {
        self.out.push('}');
    }
}

fn number(out: &mut String, value: u64) {
    out.push_str(crate::compact::decimal(value, &mut [0; 20]));
}

/// `s` as a JSON string, escaped as serde_json escapes it.
fn string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => {
                const HEX: &[u8; 16] = b"0123456789abcdef";
                out.push_str("\\u00");
                out.push(char::from(HEX[(c as usize) >> 4]));
                out.push(char::from(HEX[(c as usize) & 15]));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

fn list<T>(out: &mut String, items: &[T], mut item: impl FnMut(&mut String, &T)) {
    out.push('[');
    for (i, x) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        item(out, x);
    }
    out.push(']');
}

/// What `status` prints.
pub fn status(s: &Status) -> String {
    let mut out = String::with_capacity(64 + 96 * s.nodes.len());
    let mut o = Object::open(&mut out);
    o.u64("t_us", s.t_us);
    list(o.key("nodes"), &s.nodes, node);
    o.close();
    out
}

fn node(out: &mut String, n: &NodeStatus) {
    let mut o = Object::open(out);
    o.str("id", &n.id)
        .bool("alive", n.alive)
        .str("role", n.role)
        .u64("term", n.term)
        .opt_str("voted_for", n.voted_for.as_deref())
        .opt_str("leader", n.leader.as_deref());
    if !n.member {
        o.bool("member", false);
    }
    o.close();
}

/// What `stats` prints.
pub fn stats(s: &StatsReport) -> String {
    let mut out = String::with_capacity(1024);
    let mut o = Object::open(&mut out);
    o.u64("t_us", s.t_us)
        .u64("seed", s.seed)
        .u64("elections_started", s.elections_started)
        .u64("elections_won", s.elections_won)
        .u64("prevotes_started", s.prevotes_started)
        .u64("split_votes", s.split_votes);
    messages(o.key("messages"), &s.messages);
    o.u64("messages_lost", s.messages_lost)
        .u64("events", s.events)
        .u64("downtime_us", s.downtime_us);
    durations(o.key("time_to_elect_us"), &s.time_to_elect_us);
    durations(o.key("time_to_heartbeat_us"), &s.time_to_heartbeat_us);
    match &s.last_election {
        Some(r) => election(o.key("last_election"), r),
        None => o.key("last_election").push_str("null"),
    }
    o.u64("violation_count", s.violation_count);
    list(o.key("violations"), &s.violations, violation);
    o.close();
    out
}

fn messages(out: &mut String, m: &MessageCounts) {
    Object::open(out)
        .u64("vote_request", m.vote_request)
        .u64("vote_granted", m.vote_granted)
        .u64("vote_denied", m.vote_denied)
        .u64("prevote_request", m.prevote_request)
        .u64("prevote_granted", m.prevote_granted)
        .u64("prevote_denied", m.prevote_denied)
        .u64("heartbeat", m.heartbeat)
        .u64("heartbeat_reply", m.heartbeat_reply)
        .close();
}

fn durations(out: &mut String, d: &Durations) {
    Object::open(out)
        .u64("count", d.count as u64)
        .opt("last", d.last)
        .opt("mean", d.mean)
        .opt("max", d.max)
        .close();
}

fn election(out: &mut String, r: &ElectionRecord) {
    Object::open(out)
        .u64("term", r.term)
        .u64("started_us", r.started_us)
        .u64("candidates", u64::from(r.candidates))
        .opt_str("winner", r.winner.map(node_name).as_deref())
        .u64("votes", u64::from(r.votes))
        .bool("split", r.split)
        .str("goose_lost", r.goose_lost.name())
        .opt("time_to_win_us", r.time_to_win_us)
        .opt("time_to_heartbeat_us", r.time_to_heartbeat_us)
        .close();
}

fn violation(out: &mut String, v: &Violation) {
    let mut o = Object::open(out);
    o.u64("t_us", v.t)
        .u64("seed", v.seed)
        .str("invariant", v.invariant.name());
    list(o.key("nodes"), &v.nodes, |out, &n| {
        string(out, &node_name(n))
    });
    o.u64("term", v.term).str("detail", &v.detail).close();
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::script::parse::{parse_command, ClusterSpec};
    use crate::script::{Command, Session};
    use crate::sim::invariants::Invariant;
    use crate::sim::stats::GooseLoss;

    fn session(line: &str) -> Session {
        let spec: ClusterSpec = match parse_command(line, 101) {
            Ok(Some(Command::Cluster(spec))) => spec,
            other => panic!("{other:?}"),
        };
        Session::new(&spec, 0)
    }

    /// Every state of a run with faults prints as serde_json would print it.
    #[test]
    fn status_and_stats_print_as_serde_json_does() {
        for line in [
            "cluster nodes=5 seed=4 loss=10%",
            "cluster nodes=3 seed=8 checkquorum=off prevote=on",
        ] {
            let mut s = session(line);
            for (i, act) in [
                "kill n1",
                "partition n1,n2 | n3",
                "heal",
                "revive n1",
                "timeout n2",
            ]
            .iter()
            .enumerate()
            {
                s.sim_mut().run_until((i as u64 + 1) * 700_000);
                let _ = s.exec(&parse_command(act, s.sim().size()).unwrap().unwrap());
                let st = s.sim().status();
                assert_eq!(status(&st), serde_json::to_string(&st).unwrap(), "{line}");
                let report = StatsReport::of(s.sim());
                assert_eq!(
                    stats(&report),
                    serde_json::to_string(&report).unwrap(),
                    "{line}"
                );
            }
        }
    }

    /// The mean in u64 parts is the exact mean, rounded down.
    #[test]
    fn durations_mean_is_exact() {
        let mut x = 0x2545_f491_4f6c_dd1d_u64;
        for len in 0..300usize {
            let values: Vec<u64> = (0..len)
                .map(|i| {
                    x ^= x << 13;
                    x ^= x >> 7;
                    x ^= x << 17;
                    if i % 3 == 0 {
                        u64::MAX - (x % 5)
                    } else {
                        x >> (x % 64)
                    }
                })
                .collect();
            let sum: u128 = values.iter().map(|&v| u128::from(v)).sum();
            let exact = (len > 0).then(|| (sum / len as u128) as u64);
            let d = Durations::of(&values);
            assert_eq!(d.mean, exact, "{values:?}");
            assert_eq!((d.count, d.max), (len, values.iter().copied().max()));
        }
    }

    #[test]
    fn every_field_and_escape_prints_as_serde_json_does() {
        let record = ElectionRecord {
            term: u64::MAX,
            started_us: 0,
            candidates: 2,
            winner: Some(3),
            votes: 3,
            split: true,
            goose_lost: GooseLoss::LostQuorum,
            time_to_win_us: Some(12),
            time_to_heartbeat_us: None,
        };
        let violation = Violation {
            t: 5,
            seed: 77,
            invariant: Invariant::OneGooseAtATime,
            nodes: vec![0, 2],
            term: 9,
            detail: "quote \" slash \\ tab \t nl \n cr \r bs \u{8} ff \u{c} nul \u{0} \u{1f} del \u{7f} é ✔".into(),
        };
        let mut report = StatsReport::of(session("cluster nodes=3 seed=1").sim());
        report.last_election = Some(record);
        report.violations = vec![violation.clone(), violation];
        report.time_to_elect_us = Durations::of(&[3, 4, 10]);
        assert_eq!(stats(&report), serde_json::to_string(&report).unwrap());
        report.last_election = Some(ElectionRecord {
            winner: None,
            time_to_win_us: None,
            ..record
        });
        assert_eq!(stats(&report), serde_json::to_string(&report).unwrap());
    }
}
