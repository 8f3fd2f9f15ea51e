//! The peers' times in descending order, so that a leader reads "the k-th
//! largest" in O(1).
//!
//! A leader under CheckQuorum asks two questions after every ack: until when
//! do a majority's leases hold, and when did a majority last answer (see the
//! module doc of [`crate::node`], dissertation §6.2). Both are "the
//! `(majority − 1)`-th largest of the peers' values": the leader is one member
//! of the majority and needs `majority − 1` peers. While it leads, a peer's
//! value only ever grows, so [`Ranked`] keeps the peers sorted and moves a
//! peer forward past the ones it overtook when its value grows. An ack is
//! usually the newest of all and moves its peer from near the back to the
//! front: a few steps at five nodes, and no scan of every peer at 101.

use crate::config::Members;
use crate::message::NodeId;
use crate::options::Time;

/// The place of a node that is not ranked.
const UNRANKED: u32 = u32::MAX;

/// One time per node, with the voting peers (the members of the
/// configuration in effect other than the node itself) kept in descending
/// order, answering the `k`-th largest at once.
#[derive(Clone, Debug)]
pub(crate) struct Ranked {
    /// The value of each node, indexed by id; the node's own stays 0.
    values: Vec<Time>,
    /// The voting peers, largest value first (ties in any order).
    order: Vec<NodeId>,
    /// Where each voting peer stands in `order`; [`UNRANKED`] for the node
    /// itself and the nodes outside the configuration.
    place: Vec<u32>,
    /// The node itself.
    me: NodeId,
    /// The configuration counted.
    members: Members,
    /// How many peers a majority needs: `majority − 1` when the node is a
    /// member (it counts itself), `majority` when it is not (a leader
    /// removing itself, dissertation §4.2.2).
    needed: usize,
}

impl Ranked {
    /// `me` among `slots` node ids, counting the configuration `members`,
    /// every value 0.
    pub(crate) fn new(me: NodeId, slots: u32, members: Members) -> Ranked {
        let mut ranked = Ranked {
            values: vec![0; slots as usize],
            order: Vec::new(),
            place: vec![UNRANKED; slots as usize],
            me,
            members: Members::EMPTY,
            needed: 0,
        };
        ranked.set_members(members);
        ranked
    }

    /// Every value back to 0, counting the configuration `members` (any
    /// order of equal values is sorted).
    pub(crate) fn reset(&mut self, members: Members) {
        self.values.fill(0);
        if members != self.members {
            self.set_members(members);
        }
    }

    /// Counts the configuration `members` from now on, keeping every value
    /// (a leader's configuration changed, §4.1).
    pub(crate) fn set_members(&mut self, members: Members) {
        self.members = members;
        let me = self.me;
        self.needed = (members.majority() - u32::from(members.contains(me))) as usize;
        self.order.clear();
        self.order.extend(members.iter().filter(|&p| p != me));
        let values = &self.values;
        // The page's small heap sort (std's sort is a few KB of wasm).
        crate::compact::sort_by(&mut self.order, |a, b| {
            values[*b as usize].cmp(&values[*a as usize])
        });
        self.place.fill(UNRANKED);
        for (i, &p) in self.order.iter().enumerate() {
            self.place[p as usize] = i as u32;
        }
    }

    /// The run knows `slots` node ids now (values 0 for the new ones).
    pub(crate) fn grow(&mut self, slots: u32) {
        self.values.resize(slots as usize, 0);
        self.place.resize(slots as usize, UNRANKED);
    }

    /// Raises `peer`'s value to `value` if that is larger; a smaller value
    /// changes nothing. A peer outside the configuration keeps its value
    /// but is not ranked.
    pub(crate) fn raise(&mut self, peer: NodeId, value: Time) {
        let p = peer as usize;
        if value <= self.values[p] {
            return;
        }
        self.values[p] = value;
        let place = self.place[p];
        if place == UNRANKED {
            return;
        }
        let mut i = place as usize;
        while i > 0 {
            let ahead = self.order[i - 1];
            if self.values[ahead as usize] >= value {
                break;
            }
            self.order[i] = ahead;
            self.place[ahead as usize] = i as u32;
            i -= 1;
        }
        self.order[i] = peer;
        self.place[p] = i as u32;
    }

    /// The value a majority of the configuration has reached: the
    /// `needed`-th largest of the voting peers' values. `Time::MAX` when the
    /// node alone is a majority, 0 when the configuration has too few peers.
    pub(crate) fn kth_largest(&self) -> Time {
        match self.needed {
            0 => Time::MAX,
            k if k > self.order.len() => 0,
            k => self.values[self.order[k - 1] as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::node::majority;
    use crate::rng::SimRng;

    /// After any sequence of raises from zero, the k-th largest is what
    /// sorting the peers' values gives (the CheckQuorum caches depend on it
    /// being exact: it decides when a goose loses its crown). Seeded; the seed
    /// and the case are in the failure message.
    #[test]
    fn kth_largest_is_the_kth_largest_of_the_peers_after_any_raises() {
        let mut rng = SimRng::new(0x6b74_6831);
        for case in 0..5_000u32 {
            let size = rng.range_inclusive(1, 101) as u32;
            let me = rng.range_inclusive(0, size as u64 - 1) as NodeId;
            let mut ranked = Ranked::new(me, size, Members::first(size));
            let mut values = vec![0; size as usize];
            if case % 7 == 0 {
                // Reused after a reset, in whatever order the last run left.
                for _ in 0..size {
                    let p = rng.range_inclusive(0, size as u64 - 1) as NodeId;
                    if p != me {
                        ranked.raise(p, rng.range_inclusive(1, 50));
                    }
                }
                ranked.reset(Members::first(size));
            }
            let needed = majority(size) as usize - 1;
            for _ in 0..rng.range_inclusive(0, 3 * size as u64) {
                let p = rng.range_inclusive(0, size as u64 - 1) as NodeId;
                if p == me {
                    continue;
                }
                // Few distinct values, so that ties are common.
                let v = rng.range_inclusive(0, 11);
                ranked.raise(p, v);
                values[p as usize] = values[p as usize].max(v);
                let mut peers: Vec<Time> = values
                    .iter()
                    .enumerate()
                    .filter(|&(q, _)| q != me as usize)
                    .map(|(_, &v)| v)
                    .collect();
                peers.sort_unstable_by(|a, b| b.cmp(a));
                let want = if needed == 0 {
                    Time::MAX
                } else {
                    peers[needed - 1]
                };
                assert_eq!(
                    ranked.kth_largest(),
                    want,
                    "case {case} (seed 0x6b746831): me {me}, values {values:?}"
                );
            }
        }
    }

    #[test]
    fn a_cluster_of_one_needs_no_peer() {
        assert_eq!(
            Ranked::new(0, 1, Members::first(1)).kth_largest(),
            Time::MAX
        );
    }
}
