//! Cluster membership (dissertation §4.1–4.3): which nodes vote, and the
//! single-server changes that move a cluster from one configuration to the
//! next through the log.
//!
//! A configuration is a set of node ids ([`Members`]). Every run starts from
//! one (the initial cluster); each configuration entry in a log adds or
//! removes one node ([`Change`]). A node's configuration *in effect* is the
//! latest one in its log, committed or not (§4.1): [`Config`] folds the
//! entries over the initial set and remembers where the latest change is, so
//! a log cut back past it (§5.3) is folded again.
//!
//! Why one node at a time: any majority of the old configuration and any
//! majority of the new one share a node, so the two cannot elect two leaders
//! in one term (§4.1, Figure 4.3). The leader accepts a change only when the
//! previous one is committed and it has committed an entry of its own term
//! (the fix Ongaro posted to raft-dev in 2015: without it, a change made by a
//! leader that has not yet committed anything could overlap an uncommitted
//! change of an earlier term).

use serde::Serialize;

use crate::log::{EntryKind, Index, Log};
use crate::message::{node_name, NodeId};

/// The most node ids a run knows (the initial nodes and every node added
/// since): one bit each in [`Members`].
pub const MAX_SLOTS: u32 = 128;

/// A set of node ids below [`MAX_SLOTS`], as one bit each. Two 64-bit
/// words, not a `u128`: the page's wasm has 64-bit integers but no 128-bit
/// ones, and every `u128` shift there is a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Members([u64; 2]);

impl Members {
    /// No node.
    pub const EMPTY: Members = Members([0; 2]);

    /// Nodes `0..n`: the configuration a cluster of `n` nodes starts with.
    pub fn first(n: u32) -> Members {
        debug_assert!(n <= MAX_SLOTS);
        let word = |bits: u32| match bits {
            0 => 0,
            64.. => u64::MAX,
            b => (1u64 << b) - 1,
        };
        Members([word(n), word(n.saturating_sub(64))])
    }

    /// Whether `id` is in the set.
    #[inline]
    pub fn contains(self, id: NodeId) -> bool {
        id < MAX_SLOTS && self.0[(id >> 6) as usize] >> (id & 63) & 1 == 1
    }

    /// The set with `id` added.
    #[inline]
    pub fn with(mut self, id: NodeId) -> Members {
        debug_assert!(id < MAX_SLOTS);
        self.0[(id >> 6) as usize & 1] |= 1 << (id & 63);
        self
    }

    /// The set with `id` left out.
    #[inline]
    pub fn without(mut self, id: NodeId) -> Members {
        if id < MAX_SLOTS {
            self.0[(id >> 6) as usize] &= !(1 << (id & 63));
        }
        self
    }

    /// Every id in either set.
    #[inline]
    pub fn union(self, other: Members) -> Members {
        Members([self.0[0] | other.0[0], self.0[1] | other.0[1]])
    }

    /// How many nodes.
    #[inline]
    pub fn len(self) -> u32 {
        self.0[0].count_ones() + self.0[1].count_ones()
    }

    /// Whether the set is empty.
    pub fn is_empty(self) -> bool {
        self.0 == [0; 2]
    }

    /// The votes that win in this configuration: a majority of it (§5.2).
    #[inline]
    pub fn majority(self) -> u32 {
        crate::node::majority(self.len())
    }

    /// The ids, smallest first.
    #[inline]
    pub fn iter(self) -> impl Iterator<Item = NodeId> {
        let [mut low, mut high] = self.0;
        std::iter::from_fn(move || {
            if low != 0 {
                let id = low.trailing_zeros();
                low &= low - 1;
                Some(id)
            } else if high != 0 {
                let id = high.trailing_zeros();
                high &= high - 1;
                Some(64 + id)
            } else {
                None
            }
        })
    }

    /// Applies one change.
    pub fn apply(self, change: Change) -> Members {
        match change {
            Change::Add(id) => self.with(id),
            Change::Remove(id) => self.without(id),
        }
    }
}

impl std::fmt::Display for Members {
    /// `n1, n2, n3` (`nobody` when empty).
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.is_empty() {
            return f.write_str("nobody");
        }
        for (i, id) in self.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            f.write_str(&node_name(id))?;
        }
        Ok(())
    }
}

/// One single-server change (§4.1): the kind of a configuration entry.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Change {
    /// The node joins the configuration (after catching up, §4.2.1).
    Add(NodeId),
    /// The node leaves it (§4.2.2).
    Remove(NodeId),
}

impl Change {
    /// The node the change is about.
    pub fn node(self) -> NodeId {
        match self {
            Change::Add(id) | Change::Remove(id) => id,
        }
    }
}

impl std::fmt::Display for Change {
    /// `add n6`, `remove n3`: the scenario command that asks for it.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Change::Add(id) => write!(f, "add {}", node_name(*id)),
            Change::Remove(id) => write!(f, "remove {}", node_name(*id)),
        }
    }
}

/// A node's view of the configuration: the initial set, the set in effect
/// (the latest in its log, committed or not, §4.1) and the one before it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Config {
    /// How many node ids the run knows: a change naming another (forged or
    /// garbled on the wire) is ignored.
    slots: u32,
    initial: Members,
    members: Members,
    previous: Members,
    index: Index,
}

impl Config {
    /// The configuration of a log with no configuration entry, among `slots`
    /// node ids.
    pub fn new(initial: Members, slots: u32) -> Config {
        Config {
            slots,
            initial,
            members: initial,
            previous: initial,
            index: 0,
        }
    }

    /// The configuration in effect.
    #[inline]
    pub fn members(&self) -> Members {
        self.members
    }

    /// The run knows `slots` node ids now (a node hatched).
    pub fn grow(&mut self, slots: u32) {
        self.slots = slots;
    }

    /// The configuration before the latest change (the initial one if the
    /// log holds no change).
    pub fn previous(&self) -> Members {
        self.previous
    }

    /// The configuration the run started from.
    pub fn initial(&self) -> Members {
        self.initial
    }

    /// The index of the latest configuration entry, 0 if none.
    #[inline]
    pub fn index(&self) -> Index {
        self.index
    }

    /// Whether the latest change is not known to be committed at `commit`.
    #[inline]
    pub fn pending(&self, commit: Index) -> bool {
        self.index > commit
    }

    /// Takes in an entry appended at `index`: a change takes effect at once
    /// (§4.1). Returns whether it was a change.
    #[inline]
    pub fn appended(&mut self, index: Index, kind: EntryKind) -> bool {
        let EntryKind::Config(change) = kind else {
            return false;
        };
        if change.node() >= self.slots {
            return false;
        }
        self.previous = self.members;
        self.members = self.members.apply(change);
        self.index = index;
        true
    }

    /// The log was cut back to end before `from`: if that removed the latest
    /// change, fold the log again (a rare step: changes are few, and a cut
    /// past one is rarer still). Returns whether the configuration moved.
    pub fn truncated(&mut self, from: Index, log: &Log) -> bool {
        if from > self.index {
            return false;
        }
        let before = self.members;
        *self = Config::of(self.initial, self.slots, log);
        self.members != before
    }

    /// The configuration of `log` started from `initial`, among `slots`.
    pub fn of(initial: Members, slots: u32, log: &Log) -> Config {
        let mut config = Config::new(initial, slots);
        for (i, e) in log.iter().enumerate() {
            config.appended(i as Index + 1, e.kind);
        }
        config
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::log::Entry;

    #[test]
    fn members_are_a_set_of_ids() {
        let m = Members::first(5);
        assert_eq!(m.len(), 5);
        assert!(m.contains(4) && !m.contains(5) && !m.contains(200));
        assert_eq!(m.majority(), 3);
        assert_eq!(m.without(2).to_string(), "n1, n2, n4, n5");
        assert_eq!(m.with(127).iter().last(), Some(127));
        assert_eq!(Members::first(MAX_SLOTS).len(), MAX_SLOTS);
        assert_eq!(Members::EMPTY.to_string(), "nobody");
        assert_eq!(Members::first(3).without(300), Members::first(3));
        let wide = Members::first(100).without(64).with(127);
        assert_eq!(wide.len(), 100);
        assert!(
            wide.contains(63) && !wide.contains(64) && wide.contains(99) && !wide.contains(100)
        );
        assert_eq!(wide.iter().count(), 100);
        assert_eq!(wide.iter().nth(64), Some(65));
        assert_eq!(Members::first(64).len(), 64);
        assert_eq!(Members::first(65).iter().last(), Some(64));
        // An id past the last slot (from a garbled message) is in no set.
        assert!(!Members::first(MAX_SLOTS).contains(MAX_SLOTS));
        assert_eq!(Members::first(3).without(MAX_SLOTS), Members::first(3));
        // Both words of a union.
        let (a, b) = (Members::EMPTY.with(70), Members::EMPTY.with(70).with(100));
        assert_eq!(a.union(b), b);
        assert_eq!(a.union(Members::first(2)).to_string(), "n1, n2, n71");
        // How a change is named in refusals and real nodes' answers.
        assert_eq!(Change::Add(5).to_string(), "add n6");
        assert_eq!(Change::Remove(0).to_string(), "remove n1");
    }

    // Reference: dissertation §4.1: the latest configuration in the log is in
    // effect, committed or not, and a cut past it falls back to the one before.
    #[test]
    fn the_latest_change_in_the_log_is_in_effect_and_a_cut_undoes_it() {
        let mut log = Log::new();
        let mut config = Config::new(Members::first(3), 8);
        let push = |log: &mut Log, config: &mut Config, kind| {
            let index = log.append(Entry { term: 1, kind }).unwrap();
            config.appended(index, kind)
        };
        assert!(!push(&mut log, &mut config, EntryKind::Noop));
        assert!(push(
            &mut log,
            &mut config,
            EntryKind::Config(Change::Add(3))
        ));
        assert_eq!(config.members(), Members::first(4));
        assert_eq!(config.previous(), Members::first(3));
        assert!(push(
            &mut log,
            &mut config,
            EntryKind::Config(Change::Remove(0))
        ));
        assert_eq!(config.members().to_string(), "n2, n3, n4");
        assert_eq!(
            (config.index(), config.pending(2), config.pending(3)),
            (3, true, false)
        );
        assert!(
            !config.truncated(4, &log),
            "a cut after the change keeps it"
        );
        log.truncate_from(3);
        assert!(config.truncated(3, &log));
        assert_eq!(config.members(), Members::first(4));
        assert_eq!(config.index(), 2);
        assert_eq!(Config::of(Members::first(3), 8, &log), config);
        // A cut further back than the change in effect undoes it and the
        // one before: the initial configuration again.
        push(&mut log, &mut config, EntryKind::Config(Change::Remove(0)));
        assert_eq!(config.index(), 3);
        log.truncate_from(2);
        assert!(config.truncated(2, &log));
        assert_eq!((config.members(), config.index()), (Members::first(3), 0));
    }
}
