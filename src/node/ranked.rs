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

use crate::message::NodeId;
use crate::node::majority;
use crate::options::Time;

/// One time per peer (the node's own id is left out), kept in descending
/// order, answering the `(majority − 1)`-th largest at once.
#[derive(Clone, Debug)]
pub(crate) struct Ranked {
    /// The value of each node, indexed by id; the node's own stays 0.
    values: Vec<Time>,
    /// The peers, largest value first (ties in any order).
    order: Vec<NodeId>,
    /// Where each node stands in `order` (the node's own entry is unused).
    place: Vec<u32>,
}

impl Ranked {
    /// All peers of `me` in a cluster of `size` nodes, every value 0.
    pub(crate) fn new(me: NodeId, size: u32) -> Ranked {
        let order: Vec<NodeId> = (0..size).filter(|&p| p != me).collect();
        let mut place = vec![0; size as usize];
        for (i, &p) in order.iter().enumerate() {
            place[p as usize] = i as u32;
        }
        Ranked {
            values: vec![0; size as usize],
            order,
            place,
        }
    }

    /// Every value back to 0 (any order of equal values is sorted).
    pub(crate) fn reset(&mut self) {
        self.values.fill(0);
    }

    /// Raises `peer`'s value to `value` if that is larger; a smaller value
    /// changes nothing.
    pub(crate) fn raise(&mut self, peer: NodeId, value: Time) {
        let p = peer as usize;
        if value <= self.values[p] {
            return;
        }
        self.values[p] = value;
        let mut i = self.place[p] as usize;
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

    /// The `(majority − 1)`-th largest of the peers' values: `Time::MAX` in a
    /// cluster of one, where the leader alone is a majority.
    pub(crate) fn kth_largest(&self) -> Time {
        let needed = majority(self.values.len() as u32) as usize - 1;
        match needed {
            0 => Time::MAX,
            k => self.values[self.order[k - 1] as usize],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
            let mut ranked = Ranked::new(me, size);
            let mut values = vec![0; size as usize];
            if case % 7 == 0 {
                // Reused after a reset, in whatever order the last run left.
                for _ in 0..size {
                    let p = rng.range_inclusive(0, size as u64 - 1) as NodeId;
                    if p != me {
                        ranked.raise(p, rng.range_inclusive(1, 50));
                    }
                }
                ranked.reset();
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
        assert_eq!(Ranked::new(0, 1).kth_largest(), Time::MAX);
    }
}
