//! A node's replicated log (Raft §5.3): entries numbered from 1, each stamped
//! with the term of the goose that created it.
//!
//! The log is the node's persistent state together with its term and vote
//! (Figure 2): a crash keeps it, amnesia loses it. It holds at most
//! [`LOG_CAP`] entries — a documented cap, not a silent growth: once a log is
//! full the goose refuses client requests with a reason, and a new goose that
//! cannot append its no-op says so. Compaction with snapshots (§7) would lift
//! the cap; a lecture-sized run never reaches it.
//!
//! Two facts about the log make the consistency check of AppendEntries work
//! (§5.3, the Log Matching Property): an index and a term name one entry, and
//! that entry names everything before it.

use serde::Serialize;

use crate::chunked::Chunked;
use crate::config::Change;

use crate::message::Term;

/// A position in the log, from 1; 0 is "before the first entry".
pub type Index = u64;

/// The most entries one log holds (about 24 bytes each). At 5 nodes a full
/// cluster holds under 2 MB of log, and every time-travel checkpoint copies
/// it, so the page's memory budget stays bounded too.
pub const LOG_CAP: usize = 10_000;

/// What an entry asks of the state machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum EntryKind {
    /// A client's request, numbered by the run (`request` in a scenario).
    Request(u64),
    /// The no-op a new goose appends so that something of its term can commit
    /// (§5.4.2, §8).
    Noop,
    /// A single-server membership change (dissertation §4.1), in effect on
    /// each node as soon as it is in its log.
    Config(Change),
}

/// One entry of the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Entry {
    /// The term of the goose that created it (§5.3).
    pub term: Term,
    /// What it asks.
    pub kind: EntryKind,
}

impl std::fmt::Display for Entry {
    /// `request 3 (term 2)`, `no-op (term 1)`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.kind {
            EntryKind::Request(k) => write!(f, "request {k} (term {})", self.term),
            EntryKind::Noop => write!(f, "no-op (term {})", self.term),
            EntryKind::Config(c) => write!(f, "{c} (term {})", self.term),
        }
    }
}

/// An ordered, bounded sequence of entries, in shared chunks: a clone (every
/// time-travel checkpoint clones every log) copies no entry ([`Chunked`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    entries: Chunked<Entry>,
}

impl Log {
    /// An empty log.
    pub fn new() -> Log {
        Log::default()
    }

    /// A log holding `entries`, entry 1 first (a real node's log read back
    /// from disk); `None` if there are more than [`LOG_CAP`].
    pub fn from_entries(entries: Vec<Entry>) -> Option<Log> {
        if entries.len() > LOG_CAP {
            return None;
        }
        let mut log = Log::new();
        for e in entries {
            log.entries.push(e);
        }
        Some(log)
    }

    /// The entries from index `from` on (none past the end).
    pub fn tail(&self, from: Index) -> impl Iterator<Item = &Entry> {
        self.entries.iter_from((from.max(1) - 1) as usize)
    }

    /// Every entry, the first being index 1.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Entry> {
        self.entries.iter()
    }

    /// Every entry, copied (for tests and reports).
    pub fn to_vec(&self) -> Vec<Entry> {
        self.iter().copied().collect()
    }

    /// The index of the last entry, 0 when empty.
    pub fn last_index(&self) -> Index {
        self.entries.len() as Index
    }

    /// The term of the last entry, 0 when empty.
    pub fn last_term(&self) -> Term {
        self.entries.last().map_or(0, |e| e.term)
    }

    /// The term of entry `index`: 0 for index 0, `None` past the end.
    pub fn term_at(&self, index: Index) -> Option<Term> {
        if index == 0 {
            return Some(0);
        }
        self.get(index).map(|e| e.term)
    }

    /// Entry `index`, if the log has it.
    pub fn get(&self, index: Index) -> Option<&Entry> {
        self.entries.get((index as usize).checked_sub(1)?)
    }

    /// Whether the log is at [`LOG_CAP`].
    pub fn is_full(&self) -> bool {
        self.entries.len() >= LOG_CAP
    }

    /// Appends one entry and returns its index; `None` if the log is full.
    pub fn append(&mut self, entry: Entry) -> Option<Index> {
        if self.is_full() {
            return None;
        }
        self.entries.push(entry);
        Some(self.last_index())
    }

    /// Up to `max` entries (at most [`crate::chunked::CHUNK`]) starting at
    /// `from`, in two parts: those in `from`'s chunk and those in the next.
    pub fn range(&self, from: Index, max: usize) -> [&[Entry]; 2] {
        self.entries.range((from.max(1) - 1) as usize, max)
    }

    /// Whether this log's last entry is at least as up to date as one ending
    /// at (`term`, `index`) — the other way round: whether a candidate whose
    /// log ends there is at least as up to date as this log (§5.4.1: the later
    /// last term wins; with equal last terms, the longer log).
    pub fn candidate_up_to_date(&self, term: Term, index: Index) -> bool {
        (term, index) >= (self.last_term(), self.last_index())
    }

    /// Drops every entry from `index` on (a conflict found by AppendEntries,
    /// §5.3). Returns how many were dropped.
    pub fn truncate_from(&mut self, index: Index) -> usize {
        let keep = (index.max(1) - 1) as usize;
        let dropped = self.entries.len().saturating_sub(keep);
        self.entries.truncate(keep);
        dropped
    }

    /// The first index of the run of entries of `term` that contains `index`
    /// (the conflict-term hint of §5.3's optimisation).
    pub fn first_index_of_term_at(&self, index: Index) -> Index {
        let Some(term) = self.term_at(index) else {
            return self.last_index() + 1;
        };
        let mut i = index;
        while i > 1 && self.term_at(i - 1) == Some(term) {
            i -= 1;
        }
        i
    }

    /// The last index holding an entry of `term`, if any (the goose's side of
    /// the conflict-term hint).
    pub fn last_index_of_term(&self, term: Term) -> Option<Index> {
        let last = self.last_index();
        self.iter()
            .rev()
            .position(|e| e.term == term)
            .map(|back| last - back as Index)
    }

    /// A log of no-ops with these terms, entry 1 first (for tests).
    #[cfg(test)]
    pub(crate) fn of_noops(terms: &[Term]) -> Log {
        let mut log = Log::new();
        for &term in terms {
            log.append(Entry {
                term,
                kind: EntryKind::Noop,
            });
        }
        log
    }

    /// Roughly how many bytes the log holds (a chunk shared with clones
    /// counts its share).
    pub fn footprint(&self) -> usize {
        self.entries.footprint(|_| 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // Reference: §5.4.1
    #[test]
    fn up_to_date_compares_last_term_then_length() {
        let l = Log::of_noops(&[1, 1, 2]);
        assert!(l.candidate_up_to_date(3, 1), "a later last term wins");
        assert!(
            l.candidate_up_to_date(2, 3),
            "equal: at least as up to date"
        );
        assert!(l.candidate_up_to_date(2, 4), "same term, longer");
        assert!(!l.candidate_up_to_date(2, 2), "same term, shorter");
        assert!(!l.candidate_up_to_date(1, 9), "an earlier last term loses");
        assert!(Log::new().candidate_up_to_date(0, 0));
    }

    // Reference: §5.3
    #[test]
    fn terms_indices_truncation_and_hints() {
        let mut l = Log::of_noops(&[1, 1, 2, 2, 2, 3]);
        assert_eq!(l.term_at(0), Some(0));
        assert_eq!(l.term_at(4), Some(2));
        assert_eq!(l.term_at(7), None);
        assert_eq!(l.first_index_of_term_at(5), 3);
        assert_eq!(l.first_index_of_term_at(9), 7);
        assert_eq!(l.last_index_of_term(2), Some(5));
        assert_eq!(l.last_index_of_term(4), None);
        let len = |[a, b]: [&[Entry]; 2]| a.len() + b.len();
        assert_eq!(len(l.range(5, 10)), 2);
        assert_eq!(len(l.range(5, 1)), 1);
        assert_eq!(len(l.range(7, 10)), 0);
        assert_eq!(len(l.range(1, 0)), 0);
        assert_eq!(l.truncate_from(4), 3);
        assert_eq!(l.last_index(), 3);
        assert_eq!(l.last_term(), 2);
    }

    /// A clone keeps every entry when the original is cut and grows again
    /// (the chunks are shared until written: [`Chunked`]).
    #[test]
    fn a_clone_keeps_its_entries_when_the_original_is_cut() {
        let terms: Vec<Term> = (0..150).map(|i| 1 + i / 40).collect();
        let mut a = Log::of_noops(&terms);
        let b = a.clone();
        assert_eq!(a.truncate_from(100), 51);
        a.append(Entry {
            term: 9,
            kind: EntryKind::Noop,
        });
        assert_eq!((a.last_index(), a.last_term()), (100, 9));
        assert_eq!(b.to_vec(), Log::of_noops(&terms).to_vec());
        assert_eq!(a.tail(99).count(), 2);
        assert_eq!(Log::from_entries(b.to_vec()), Some(b));
    }

    #[test]
    fn a_full_log_refuses_more() {
        let mut l = Log::new();
        for _ in 0..LOG_CAP {
            assert!(l
                .append(Entry {
                    term: 1,
                    kind: EntryKind::Noop
                })
                .is_some());
        }
        assert!(l.is_full());
        assert_eq!(
            l.append(Entry {
                term: 1,
                kind: EntryKind::Noop
            }),
            None
        );
    }
}
