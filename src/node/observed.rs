//! A node as a real process reported itself, for Live mode's drawing: the
//! page shows a real cluster through the same [`Node`] type the simulator
//! draws, holding the role, term, vote and goose the node's stream last said.
//! Such a node is never stepped: its timers are unknown and shown empty.

use super::{Node, Role};
use crate::message::{NodeId, Term};
use crate::options::Options;
use crate::rng::SimRng;

impl Node {
    /// Node `id` of `size` as last reported: `role` in `term`, having voted
    /// for `voted_for` and knowing `leader` as goose.
    pub fn observed(
        id: NodeId,
        size: u32,
        role: Role,
        term: Term,
        voted_for: Option<NodeId>,
        leader: Option<NodeId>,
    ) -> Node {
        let mut node = Node::new(id, size, 0, &Options::default(), &mut SimRng::new(0));
        node.role = role;
        node.term = term;
        node.voted_for = voted_for;
        node.leader = leader;
        node.election_deadline = 0;
        node
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_observed_node_says_what_was_reported() {
        let n = Node::observed(2, 5, Role::Goose, 7, Some(2), Some(2));
        assert_eq!(
            (n.id(), n.role(), n.term(), n.voted_for(), n.leader()),
            (2, Role::Goose, 7, Some(2), Some(2))
        );
        assert_eq!(n.lease_until(), None);
    }
}
