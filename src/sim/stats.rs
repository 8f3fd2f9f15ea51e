//! Statistics of a run: elections started and won, split votes, messages by
//! kind, downtime (time with no live goose) and the time it took to elect
//! each goose after the previous one was lost. The page's stats panel and the
//! benchmarks read them; `stats` in the scenario language prints them.

use std::collections::BTreeMap;

use crate::message::{Kind, NodeId, Term};
use crate::options::{Micros, Time};

/// How many recent terms the split-vote bookkeeping remembers.
const TERMS_REMEMBERED: usize = 64;

#[derive(Clone, Copy, Debug, Default)]
struct TermRecord {
    candidates: u32,
    won: bool,
}

/// The counters of one run.
#[derive(Clone, Debug)]
pub struct Stats {
    /// Times a node became a candidate (§5.2).
    pub elections_started: u64,
    /// Times a candidate became goose.
    pub elections_won: u64,
    /// Times a node began a pre-vote round (§9.6).
    pub prevotes_started: u64,
    /// Terms in which two or more candidates campaigned and nobody won.
    pub split_votes: u64,
    /// Messages sent, by kind (indexed by [`Kind::index`]).
    pub sent: [u64; 8],
    /// Messages that did not arrive.
    pub lost: u64,
    /// Events processed: deliveries, losses and timer firings.
    pub events: u64,
    /// Time with no live goose before the current stretch.
    downtime_closed: Micros,
    /// Since when there has been no live goose, if there is none now.
    goose_lost_at: Option<Time>,
    /// For each goose elected, the time since the previous one was lost (or
    /// since the start, for the first).
    pub time_to_elect: Vec<Micros>,
    /// For each goose elected while there was no goose, the time from the
    /// loss of the previous one (or the start) until a majority of the
    /// cluster, the new goose included, had received its heartbeat: the end
    /// point of the Raft paper's Figure 16 ("until the other servers received
    /// the new leader's first heartbeat", §9.3).
    pub time_to_heartbeat: Vec<Micros>,
    awaiting: Option<Awaiting>,
    terms: BTreeMap<Term, TermRecord>,
}

/// A new goose whose first heartbeats are on their way.
#[derive(Clone, Copy, Debug)]
struct Awaiting {
    goose: NodeId,
    term: Term,
    since: Time,
    missing: u32,
}

impl Stats {
    /// Empty statistics for a run that starts with no goose at time 0.
    pub fn new() -> Stats {
        Stats {
            elections_started: 0,
            elections_won: 0,
            prevotes_started: 0,
            split_votes: 0,
            sent: [0; 8],
            lost: 0,
            events: 0,
            downtime_closed: 0,
            goose_lost_at: Some(0),
            time_to_elect: Vec::new(),
            time_to_heartbeat: Vec::new(),
            awaiting: None,
            terms: BTreeMap::new(),
        }
    }

    /// Roughly how many bytes the statistics hold.
    pub fn footprint(&self) -> usize {
        (self.time_to_elect.capacity() + self.time_to_heartbeat.capacity()) * 8
            + self.terms.len() * 48
    }

    /// Total time with no live goose up to `now`.
    pub fn downtime(&self, now: Time) -> Micros {
        self.downtime_closed + self.goose_lost_at.map_or(0, |t| now.saturating_sub(t))
    }

    /// Counts a message sent.
    pub fn count_sent(&mut self, kind: Kind) {
        self.sent[kind.index()] += 1;
    }

    /// How many messages of `kind` were sent.
    pub fn sent_of(&self, kind: Kind) -> u64 {
        self.sent[kind.index()]
    }

    /// All messages sent.
    pub fn sent_total(&self) -> u64 {
        self.sent.iter().sum()
    }

    /// A node became a candidate in `term`.
    pub fn campaign(&mut self, term: Term) {
        self.elections_started += 1;
        let record = self.terms.entry(term).or_default();
        record.candidates += 1;
        if record.candidates == 2 && !record.won {
            self.split_votes += 1;
        }
        if self.terms.len() > TERMS_REMEMBERED {
            self.terms.pop_first();
        }
    }

    /// A candidate won `term`.
    pub fn won(&mut self, term: Term) {
        self.elections_won += 1;
        let record = self.terms.entry(term).or_default();
        if record.candidates >= 2 && !record.won {
            self.split_votes -= 1; // Contested, but not split after all.
        }
        record.won = true;
    }

    /// `goose` won `term` at `now`: once `peers` other nodes have received a
    /// heartbeat of that term from it, [`Stats::time_to_heartbeat`] gains the
    /// time since the previous goose was lost. Nothing is awaited if another
    /// goose is still alive (there was no downtime to end).
    pub fn await_heartbeats(&mut self, now: Time, goose: NodeId, term: Term, peers: u32) {
        self.awaiting = None;
        let Some(since) = self.goose_lost_at else {
            return;
        };
        if peers == 0 {
            self.time_to_heartbeat.push(now - since);
        } else {
            self.awaiting = Some(Awaiting {
                goose,
                term,
                since,
                missing: peers,
            });
        }
    }

    /// A heartbeat of `term` from `from` was delivered at `now`.
    #[inline]
    pub fn heartbeat_delivered(&mut self, now: Time, from: NodeId, term: Term) {
        let Some(a) = self.awaiting.as_mut() else {
            return;
        };
        if a.goose == from && a.term == term {
            a.missing -= 1;
            if a.missing == 0 {
                self.time_to_heartbeat.push(now - a.since);
                self.awaiting = None;
            }
        }
    }

    /// The number of live geese changed from `before` to `after` at `now`.
    pub fn geese_changed(&mut self, now: Time, before: usize, after: usize) {
        if before == 0 && after > 0 {
            if let Some(lost_at) = self.goose_lost_at.take() {
                self.downtime_closed += now - lost_at;
                self.time_to_elect.push(now - lost_at);
            }
        } else if before > 0 && after == 0 {
            self.goose_lost_at = Some(now);
        }
    }
}

impl Default for Stats {
    fn default() -> Stats {
        Stats::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_contested_term_is_a_split_vote_only_if_nobody_wins() {
        let mut s = Stats::new();
        s.campaign(1);
        s.campaign(1);
        assert_eq!(s.split_votes, 1);
        s.won(1);
        assert_eq!(s.split_votes, 0);
        s.campaign(2);
        s.campaign(2);
        s.campaign(2);
        assert_eq!(
            (s.split_votes, s.elections_started, s.elections_won),
            (1, 5, 1)
        );
    }

    #[test]
    fn downtime_and_time_to_elect_follow_the_geese() {
        let mut s = Stats::new();
        assert_eq!(s.downtime(100), 100);
        s.geese_changed(300, 0, 1);
        s.geese_changed(1000, 1, 0);
        s.geese_changed(1250, 0, 1);
        assert_eq!(s.time_to_elect, vec![300, 250]);
        assert_eq!(s.downtime(5000), 550);
        s.geese_changed(6000, 1, 0);
        assert_eq!(s.downtime(6100), 650);
    }

    #[test]
    fn time_to_heartbeat_ends_when_a_majority_has_heard_the_new_goose() {
        let mut s = Stats::new();
        s.geese_changed(0, 0, 1);
        s.geese_changed(1000, 1, 0);
        s.won(3);
        s.await_heartbeats(1200, 2, 3, 2);
        s.geese_changed(1200, 0, 1);
        s.heartbeat_delivered(1210, 1, 3); // Not the new goose.
        s.heartbeat_delivered(1211, 2, 2); // An older term.
        s.heartbeat_delivered(1212, 2, 3);
        assert!(s.time_to_heartbeat.is_empty(), "one peer is not a majority");
        s.heartbeat_delivered(1215, 2, 3);
        assert_eq!(s.time_to_heartbeat, vec![215]);
        s.heartbeat_delivered(1216, 2, 3);
        assert_eq!(s.time_to_heartbeat, vec![215], "counted once");
        assert_eq!(s.time_to_elect, vec![0, 200]);
    }
}
