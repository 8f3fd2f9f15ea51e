//! Statistics of a run: elections started and won, split votes, messages by
//! kind, downtime (time with no live goose), the time it took to elect
//! each goose after the previous one was lost, and one [`ElectionRecord`] per
//! decided election. The page's stats panel and the benchmarks read them;
//! `stats` in the scenario language prints them.
//!
//! A term with two or more candidates is a **split vote** once it is decided
//! without a winner: when every one of its candidates has stopped being a
//! candidate of that term (moved to a later term, stepped down, or died).
//! Until then somebody may still win it, so it is not counted.

use std::collections::VecDeque;
use std::sync::Arc;

use serde::Serialize;

use crate::compact::VecMap;
use crate::message::{Kind, NodeId, Term};
use crate::options::{Micros, Time};

/// How many recent terms the split-vote bookkeeping remembers.
const TERMS_REMEMBERED: usize = 64;

/// The most election records kept; older ones are dropped first.
pub const RECORDS_KEPT: usize = 10_000;

#[derive(Clone, Copy, Debug, Default)]
struct TermRecord {
    candidates: u32,
    ended: u32,
    won: bool,
    /// Counted as a split vote.
    split: bool,
    /// Has an [`ElectionRecord`].
    recorded: bool,
    started: Time,
}

/// How the goose before an election was lost.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GooseLoss {
    /// There was none yet: the first election of the run.
    Start,
    /// It was killed.
    Killed,
    /// It saw a higher term and stepped down (§5.1).
    Deposed,
    /// CheckQuorum: it lost touch with a majority and stepped down.
    LostQuorum,
    /// There was still a goose when this election was decided (a stale goose
    /// in a minority, without CheckQuorum), or it is not known.
    NotLost,
}

impl GooseLoss {
    /// The snake_case name used in JSON and CSV.
    pub fn name(self) -> &'static str {
        match self {
            GooseLoss::Start => "start",
            GooseLoss::Killed => "killed",
            GooseLoss::Deposed => "deposed",
            GooseLoss::LostQuorum => "lost_quorum",
            GooseLoss::NotLost => "not_lost",
        }
    }
}

/// One decided election: a term in which somebody campaigned, once it was
/// won or once every candidate had given it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct ElectionRecord {
    /// The term.
    pub term: Term,
    /// When its first candidate campaigned, in µs of simulated time.
    pub started_us: Time,
    /// How many nodes campaigned in it.
    pub candidates: u32,
    /// The winner, if any (`n3`).
    #[serde(serialize_with = "node_opt")]
    pub winner: Option<NodeId>,
    /// The votes the winner held, its own included (0 if nobody won).
    pub votes: u32,
    /// Two or more candidates and no winner.
    pub split: bool,
    /// How the goose before it was lost.
    pub goose_lost: GooseLoss,
    /// From the loss of the previous goose (or the start) until the win.
    pub time_to_win_us: Option<Micros>,
    /// From the same instant until a majority, the winner included, had
    /// received the winner's heartbeat.
    pub time_to_heartbeat_us: Option<Micros>,
}

fn node_opt<S: serde::Serializer>(node: &Option<NodeId>, s: S) -> Result<S::Ok, S::Error> {
    match node {
        Some(n) => s.serialize_str(&crate::message::node_name(*n)),
        None => s.serialize_none(),
    }
}

impl ElectionRecord {
    /// The header of [`ElectionRecord::csv_row`].
    pub const CSV_HEADER: &'static str =
        "term,started_us,candidates,winner,votes,split,goose_lost,time_to_win_us,time_to_heartbeat_us";

    /// One CSV row; an absent value is an empty field.
    pub fn csv_row(&self) -> String {
        let opt = |v: Option<u64>| v.map_or(String::new(), |v| v.to_string());
        format!(
            "{},{},{},{},{},{},{},{},{}",
            self.term,
            self.started_us,
            self.candidates,
            self.winner.map_or(String::new(), crate::message::node_name),
            self.votes,
            self.split,
            self.goose_lost.name(),
            opt(self.time_to_win_us),
            opt(self.time_to_heartbeat_us)
        )
    }
}

/// How many election records one shared block holds (see [`Elections`]).
const BLOCK: usize = 16;

/// The decided elections of a run, oldest first: a list that a clone shares.
///
/// The page's time travel keeps up to a hundred clones of a run (its
/// checkpoints), and a long partition decides a failed election every few
/// hundred milliseconds, so a plain list made each checkpoint carry its own
/// copy of thousands of records (36 MB for the benchmark's hour). Here the
/// records older than the newest 16 (`BLOCK`) or so sit in immutable blocks
/// behind reference counts, which every clone shares; only the newest (the
/// ones an election still being decided may update) are copied.
#[derive(Clone, Debug, Default)]
pub struct Elections {
    /// Full blocks of [`BLOCK`] records, oldest first; clones share the list
    /// and its blocks, and copy either only before changing it.
    blocks: Arc<VecDeque<Arc<Vec<ElectionRecord>>>>,
    /// How many records at the front of the first block were dropped.
    dropped: usize,
    /// The newest records, fewer than two blocks' worth.
    recent: Vec<ElectionRecord>,
}

impl Elections {
    /// How many records there are.
    pub fn len(&self) -> usize {
        self.blocks.len() * BLOCK - self.dropped + self.recent.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The records, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &ElectionRecord> {
        let dropped = self.dropped;
        self.blocks
            .iter()
            .enumerate()
            .flat_map(move |(i, b)| b[if i == 0 { dropped } else { 0 }..].iter())
            .chain(self.recent.iter())
    }

    /// The newest record.
    pub fn back(&self) -> Option<&ElectionRecord> {
        self.iter().next_back()
    }

    /// The newest record, to update.
    pub fn back_mut(&mut self) -> Option<&mut ElectionRecord> {
        if self.recent.is_empty() {
            let blocks = Arc::make_mut(&mut self.blocks);
            return blocks.back_mut().and_then(|b| Arc::make_mut(b).last_mut());
        }
        self.recent.last_mut()
    }

    /// The newest record of `term` among the last `within`, to update.
    fn last_of_mut(&mut self, term: Term, within: usize) -> Option<&mut ElectionRecord> {
        let near = self
            .recent
            .iter()
            .rev()
            .take(within)
            .position(|r| r.term == term);
        if let Some(back) = near {
            let i = self.recent.len() - 1 - back;
            return Some(&mut self.recent[i]);
        }
        // Rare: an older record, in a shared block (copied before it changes).
        let within = within.saturating_sub(self.recent.len());
        let dropped = self.dropped;
        let found = self
            .blocks
            .iter()
            .enumerate()
            .flat_map(|(b, block)| {
                let from = if b == 0 { dropped } else { 0 };
                (from..block.len()).map(move |i| (b, i, block[i].term))
            })
            .rev()
            .take(within)
            .find(|&(_, _, t)| t == term);
        let (b, i, _) = found?;
        Some(&mut Arc::make_mut(&mut Arc::make_mut(&mut self.blocks)[b])[i])
    }

    fn push_back(&mut self, record: ElectionRecord) {
        self.recent.push(record);
        if self.recent.len() == 2 * BLOCK {
            let block: Vec<ElectionRecord> = self.recent.drain(..BLOCK).collect();
            Arc::make_mut(&mut self.blocks).push_back(Arc::new(block));
        }
    }

    fn pop_front(&mut self) {
        if self.blocks.is_empty() {
            if !self.recent.is_empty() {
                self.recent.remove(0);
            }
            return;
        }
        self.dropped += 1;
        if self.dropped == BLOCK {
            Arc::make_mut(&mut self.blocks).pop_front();
            self.dropped = 0;
        }
    }

    /// Roughly how many bytes the records take, what is shared counted as a
    /// fair share among the clones that hold it (so the checkpoints of a run
    /// add up to what they hold together).
    fn footprint(&self) -> usize {
        let record = std::mem::size_of::<ElectionRecord>();
        let list = self.blocks.len() * 8
            + self
                .blocks
                .iter()
                .map(|b| (BLOCK * record + 40) / Arc::strong_count(b))
                .sum::<usize>();
        list / Arc::strong_count(&self.blocks) + self.recent.capacity() * record
    }
}

impl std::ops::Index<usize> for Elections {
    type Output = ElectionRecord;
    fn index(&self, i: usize) -> &ElectionRecord {
        let at = i + self.dropped;
        match self.blocks.get(at / BLOCK) {
            Some(block) => &block[at % BLOCK],
            None => &self.recent[at - self.blocks.len() * BLOCK],
        }
    }
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
    /// Terms in which two or more candidates campaigned and nobody won,
    /// counted once decided (see the module doc).
    pub split_votes: u64,
    /// Messages sent, by kind (indexed by [`Kind::index`]).
    pub sent: [u64; 8],
    /// Messages that did not arrive.
    pub lost: u64,
    /// Events processed: deliveries, losses and timer firings.
    pub events: u64,
    /// Timer firings after which the node did nothing: wake-ups a node asked
    /// for in vain (its deadline was stale). Zero in a correct run.
    pub idle_ticks: u64,
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
    terms: VecMap<Term, TermRecord>,
    /// The decided elections, oldest first (at most [`RECORDS_KEPT`]).
    pub elections: Elections,
    /// How the last goose was lost, while there is none.
    lost_how: GooseLoss,
    /// For each node, the term it is a candidate of, if any.
    open: Vec<Option<Term>>,
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
            idle_ticks: 0,
            downtime_closed: 0,
            goose_lost_at: Some(0),
            time_to_elect: Vec::new(),
            time_to_heartbeat: Vec::new(),
            awaiting: None,
            terms: VecMap::new(),
            elections: Elections::default(),
            lost_how: GooseLoss::Start,
            open: Vec::new(),
        }
    }

    /// Roughly how many bytes the statistics hold.
    pub fn footprint(&self) -> usize {
        (self.time_to_elect.capacity() + self.time_to_heartbeat.capacity()) * 8
            + self.terms.len() * 48
            + self.elections.footprint()
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

    /// `node` became a candidate in `term` at `now` (ending any candidacy
    /// it had in an earlier term).
    pub fn campaign(&mut self, now: Time, node: NodeId, term: Term) {
        self.end_candidacy(node);
        let i = node as usize;
        if self.open.len() <= i {
            self.open.resize(i + 1, None);
        }
        self.open[i] = Some(term);
        self.elections_started += 1;
        let record = self.terms.get_or_insert_with(term, || TermRecord {
            started: now,
            ..TermRecord::default()
        });
        record.candidates += 1;
        if self.terms.len() > TERMS_REMEMBERED {
            self.terms.pop_first();
        }
    }

    /// A candidate won `term` with `votes` votes.
    pub fn won(&mut self, term: Term, winner: NodeId, votes: u32) {
        self.elections_won += 1;
        let record = self.terms.get_or_insert_with(term, TermRecord::default);
        record.won = true;
        if std::mem::replace(&mut record.split, false) {
            // A late candidate won a term its first candidates had given up.
            self.split_votes -= 1;
        }
        let (started, candidates, recorded) = (record.started, record.candidates, record.recorded);
        record.recorded = true;
        let lost = self.loss_now();
        let won = ElectionRecord {
            term,
            started_us: started,
            candidates,
            winner: Some(winner),
            votes,
            split: false,
            goose_lost: lost,
            time_to_win_us: None,
            time_to_heartbeat_us: None,
        };
        // `geese_changed` fills in the time to win when the new goose is
        // counted, right after this.
        // Only a recorded term has a record to update: no search otherwise
        // (a long partition decides thousands of elections).
        if recorded {
            if let Some(r) = self.elections.last_of_mut(term, usize::MAX) {
                *r = won;
                return;
            }
        }
        self.push_record(won);
    }

    fn loss_now(&self) -> GooseLoss {
        if self.goose_lost_at.is_some() {
            self.lost_how
        } else {
            GooseLoss::NotLost
        }
    }

    /// `node` stopped being a candidate (it moved to a later term, stepped
    /// down, won or died); nothing if it was not one. When the last candidate
    /// of a term without a winner gives it up, the term is decided: a split
    /// vote if two or more campaigned. (A node that lags behind may still
    /// campaign in that term later; the term is then open again, and counted
    /// once.)
    pub fn end_candidacy(&mut self, node: NodeId) {
        let Some(term) = self.open.get_mut(node as usize).and_then(Option::take) else {
            return;
        };
        let Some(record) = self.terms.get_mut(&term) else {
            return;
        };
        record.ended += 1;
        if record.ended < record.candidates || record.won {
            return;
        }
        let split = record.candidates >= 2;
        if split && !std::mem::replace(&mut record.split, true) {
            self.split_votes += 1;
        }
        let (started, candidates, recorded) = (record.started, record.candidates, record.recorded);
        record.recorded = true;
        let lost = self.loss_now();
        let failed = ElectionRecord {
            term,
            started_us: started,
            candidates,
            winner: None,
            votes: 0,
            split,
            goose_lost: lost,
            time_to_win_us: None,
            time_to_heartbeat_us: None,
        };
        if recorded {
            if let Some(r) = self.elections.last_of_mut(term, usize::MAX) {
                r.candidates = candidates;
                r.split = split;
                return;
            }
        }
        self.push_record(failed);
    }

    fn push_record(&mut self, record: ElectionRecord) {
        if self.elections.len() == RECORDS_KEPT {
            self.elections.pop_front();
        }
        self.elections.push_back(record);
    }

    /// The record of `term`, if it is among the last few.
    fn record_of(&mut self, term: Term) -> Option<&mut ElectionRecord> {
        self.elections.last_of_mut(term, 8)
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
            if let Some(r) = self.record_of(term) {
                r.time_to_heartbeat_us = Some(now - since);
            }
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
                let (term, took) = (a.term, now - a.since);
                self.time_to_heartbeat.push(took);
                self.awaiting = None;
                if let Some(r) = self.record_of(term) {
                    r.time_to_heartbeat_us = Some(took);
                }
            }
        }
    }

    /// The number of live geese changed from `before` to `after` at `now`;
    /// `how` says why the last one went, when `after` is 0.
    pub fn geese_changed(&mut self, now: Time, before: usize, after: usize, how: GooseLoss) {
        if before == 0 && after > 0 {
            if let Some(lost_at) = self.goose_lost_at.take() {
                self.downtime_closed += now - lost_at;
                self.time_to_elect.push(now - lost_at);
                if let Some(r) = self.elections.back_mut() {
                    if r.winner.is_some() && r.time_to_win_us.is_none() {
                        r.time_to_win_us = Some(now - lost_at);
                    }
                }
            }
        } else if before > 0 && after == 0 {
            self.goose_lost_at = Some(now);
            self.lost_how = how;
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
    fn a_contested_term_is_a_split_vote_once_every_candidate_gives_it_up() {
        let mut s = Stats::new();
        s.campaign(10, 0, 1);
        s.campaign(10, 1, 1);
        assert_eq!(s.split_votes, 0, "undecided: either may still win");
        s.end_candidacy(0);
        s.end_candidacy(0);
        assert_eq!(s.split_votes, 0, "n2 is still a candidate of term 1");
        s.end_candidacy(1);
        assert_eq!(s.split_votes, 1);
        let r = s.elections[0];
        assert_eq!(
            (r.term, r.candidates, r.split, r.winner),
            (1, 2, true, None)
        );
        assert_eq!(r.goose_lost, GooseLoss::Start);
        // A contested term that is won is no split.
        s.campaign(20, 3, 2);
        s.campaign(20, 4, 2);
        s.won(2, 4, 3);
        s.end_candidacy(4);
        s.end_candidacy(3);
        assert_eq!(s.split_votes, 1);
        assert_eq!(s.elections.len(), 2);
        assert_eq!((s.elections[1].winner, s.elections[1].votes), (Some(4), 3));
        // One lonely candidate that gives up is a failed election, not a split.
        s.campaign(30, 0, 3);
        s.campaign(31, 0, 4); // Campaigning again ends the candidacy of term 3.
        assert_eq!(s.split_votes, 1);
        assert!(!s.elections[2].split);
        assert_eq!((s.elections_started, s.elections_won), (6, 1));
    }

    #[test]
    fn downtime_and_time_to_elect_follow_the_geese() {
        let mut s = Stats::new();
        assert_eq!(s.downtime(100), 100);
        s.geese_changed(300, 0, 1, GooseLoss::NotLost);
        s.geese_changed(1000, 1, 0, GooseLoss::Killed);
        s.geese_changed(1250, 0, 1, GooseLoss::NotLost);
        assert_eq!(s.time_to_elect, vec![300, 250]);
        assert_eq!(s.downtime(5000), 550);
        s.geese_changed(6000, 1, 0, GooseLoss::Killed);
        assert_eq!(s.downtime(6100), 650);
    }

    #[test]
    fn time_to_heartbeat_ends_when_a_majority_has_heard_the_new_goose() {
        let mut s = Stats::new();
        s.geese_changed(0, 0, 1, GooseLoss::NotLost);
        s.geese_changed(1000, 1, 0, GooseLoss::LostQuorum);
        s.campaign(1100, 2, 3);
        s.won(3, 2, 3);
        s.await_heartbeats(1200, 2, 3, 2);
        s.geese_changed(1200, 0, 1, GooseLoss::NotLost);
        s.heartbeat_delivered(1210, 1, 3); // Not the new goose.
        s.heartbeat_delivered(1211, 2, 2); // An older term.
        s.heartbeat_delivered(1212, 2, 3);
        assert!(s.time_to_heartbeat.is_empty(), "one peer is not a majority");
        s.heartbeat_delivered(1215, 2, 3);
        assert_eq!(s.time_to_heartbeat, vec![215]);
        s.heartbeat_delivered(1216, 2, 3);
        assert_eq!(s.time_to_heartbeat, vec![215], "counted once");
        assert_eq!(s.time_to_elect, vec![0, 200]);
        let r = s.elections[0];
        assert_eq!(r.time_to_win_us, Some(200));
        assert_eq!(r.time_to_heartbeat_us, Some(215));
        assert_eq!(r.goose_lost, GooseLoss::LostQuorum);
        assert_eq!(r.started_us, 1100);
        assert_eq!(r.csv_row(), "3,1100,1,n3,3,false,lost_quorum,200,215");
    }

    #[test]
    fn a_late_candidate_reopens_a_term_and_it_is_counted_once() {
        let mut s = Stats::new();
        s.campaign(10, 0, 3);
        s.end_candidacy(0);
        assert_eq!(
            (s.split_votes, s.elections.len()),
            (0, 1),
            "a lonely failure"
        );
        s.campaign(50, 3, 3); // n4 lagged behind and tries term 3 too.
        s.end_candidacy(3);
        assert_eq!(s.split_votes, 1);
        assert_eq!(s.elections.len(), 1, "the same record, updated");
        assert!(s.elections[0].split && s.elections[0].candidates == 2);
        s.campaign(60, 4, 3);
        s.end_candidacy(4);
        assert_eq!(s.split_votes, 1, "counted once");
        s.campaign(70, 2, 3);
        s.won(3, 2, 3);
        assert_eq!(s.split_votes, 0, "won after all");
        assert_eq!(s.elections[0].winner, Some(2));
    }

    #[test]
    fn records_are_capped() {
        let mut s = Stats::new();
        for term in 1..=(RECORDS_KEPT as u64 + 5) {
            s.campaign(term, 0, term);
            s.end_candidacy(0);
        }
        assert_eq!(s.elections.len(), RECORDS_KEPT);
        assert_eq!(s.elections[0].term, 6);
        let terms: Vec<Term> = s.elections.iter().map(|r| r.term).collect();
        let expected: Vec<Term> = (6..=RECORDS_KEPT as u64 + 5).collect();
        assert_eq!(terms, expected);
        assert_eq!(
            s.elections.back().map(|r| r.term),
            Some(RECORDS_KEPT as u64 + 5)
        );
    }

    #[test]
    fn clones_share_old_records_and_keep_their_own_changes() {
        let mut s = Stats::new();
        for term in 1..=200 {
            s.campaign(term, 0, term);
            s.end_candidacy(0);
        }
        let kept = s.clone();
        // A clone copies only the newest records; the older blocks are shared.
        assert!(kept.elections.recent.len() < 2 * BLOCK);
        assert_eq!(
            kept.elections.blocks.len(),
            (200 - kept.elections.recent.len()) / BLOCK
        );
        assert!(Arc::ptr_eq(&s.elections.blocks, &kept.elections.blocks));
        // n2 joins term 100 late and wins it: the old record changes in `s`
        // only (term 100 is long forgotten by the split-vote bookkeeping, so
        // this is a new record; change the old one directly as well).
        s.elections.last_of_mut(100, usize::MAX).unwrap().votes = 9;
        s.elections.back_mut().unwrap().votes = 7;
        assert_eq!(s.elections[99].votes, 9);
        assert_eq!(kept.elections[99].votes, 0, "the clone keeps its own copy");
        assert_eq!(s.elections[199].votes, 7);
        assert_eq!(kept.elections[199].votes, 0);
        assert_eq!(s.elections.len(), kept.elections.len());
        for (i, (a, b)) in s.elections.iter().zip(kept.elections.iter()).enumerate() {
            assert_eq!(a.term, i as u64 + 1);
            assert_eq!(b.term, i as u64 + 1);
        }
    }
}
