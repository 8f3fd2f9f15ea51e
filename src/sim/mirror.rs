//! A simulation that mirrors a real cluster at one moment, for Live mode: the
//! page draws it, lists it and inspects it exactly as it does a simulated
//! run, but it is never stepped (its queue is empty). The recording it shows
//! is [`crate::view::live::Live`]'s.

use super::{Cluster, Simulation};
use crate::message::{Message, NodeId};
use crate::node::Node;
use crate::options::{Span, Time, CERTAIN};

/// One message to show: from, to, what, sent, shown arriving, lost.
pub type Shown = (NodeId, NodeId, Message, Time, Time, bool);

impl Simulation {
    /// A still picture at `now`: these nodes (alive or dead) and these
    /// messages in the air. Its checker has seen the nodes once, so that
    /// [`Simulation::geese`] names the nodes that claim to be goose now.
    pub fn mirror(
        cluster: Cluster,
        now: Time,
        nodes: Vec<Node>,
        alive: Vec<bool>,
        flights: impl Iterator<Item = Shown>,
    ) -> Simulation {
        let mut sim = Simulation::new(cluster);
        sim.queue.clear();
        sim.now = now;
        for (id, node) in nodes.iter().enumerate() {
            let role = alive[id].then(|| node.role());
            sim.checker
                .observe(now, id as NodeId, role, node.term(), node.voted_for());
        }
        sim.nodes = nodes;
        sim.alive = alive;
        let mut opts = sim.opts_now.clone();
        for (from, to, msg, sent, arrives, lost) in flights {
            // A network whose latency is exactly this message's.
            let latency = arrives.saturating_sub(sent);
            opts.latency = Span::new(latency, latency);
            opts.loss = if lost { CERTAIN } else { 0 };
            sim.net.send(sent, from, to, msg, &[], &opts, &mut sim.rng);
        }
        sim
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::message::Body;
    use crate::node::Role;
    use crate::options::Options;

    #[test]
    fn a_mirror_shows_the_nodes_and_messages_it_was_given() {
        let cluster = Cluster {
            nodes: 3,
            seed: 0,
            options: Options::default(),
        };
        let nodes = vec![
            Node::observed(0, 3, Role::Goose, 2, Some(0), Some(0)),
            Node::observed(1, 3, Role::Duck, 2, Some(0), Some(0)),
            Node::observed(2, 3, Role::Duck, 1, None, None),
        ];
        let beat = Message {
            term: 2,
            body: Body::AppendEntries {
                lease: None,
                prev_index: 0,
                prev_term: 0,
                count: 0,
                commit: 0,
            },
        };
        let flights = vec![
            (0, 1, beat, 900, 1_200, false),
            (0, 2, beat, 900, 1_200, true),
        ];
        let sim = Simulation::mirror(
            cluster,
            1_000,
            nodes,
            vec![true, true, false],
            flights.into_iter(),
        );
        assert_eq!(sim.now(), 1_000);
        assert_eq!(sim.geese(), &[0]);
        assert!(!sim.is_alive(2));
        let m: Vec<_> = sim
            .in_flight()
            .map(|m| (m.to, m.sent, m.arrives, m.lost.is_some()))
            .collect();
        assert_eq!(m, vec![(1, 900, 1_200, false), (2, 900, 1_200, true)]);
        assert_eq!(sim.next_event_time(), None, "never stepped");
    }
}
