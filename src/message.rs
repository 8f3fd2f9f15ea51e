//! The messages nodes send each other: RequestVote (§5.2, with the log
//! position §5.4.1 compares) and AppendEntries (§5.3; with no entries it is a
//! heartbeat), and the PreVote pair of dissertation §9.6.
//!
//! Every message carries the sender's term (§5.1). Requests that ask the
//! receiver for a promise under CheckQuorum carry a [`Lease`], and the reply
//! that accepts it echoes the lease's floor back; [`crate::node`] explains why.
//!
//! **Entries travel beside the message, not in it.** An AppendEntries says
//! how many entries it carries (`count`); the entries themselves go next to
//! it as a slice: in the node's [`crate::node::Outbox`] (`entries`, in the
//! order of its messages), in the simulated network (one reused buffer per
//! message slot) and in a datagram (after the message's fields), and
//! [`crate::node::Node::receive`] takes them as `&[Entry]`. So a message is
//! small and `Copy`: the simulator moves millions of them (through the
//! outbox, the network's slots and the receiver) and only the rare one with
//! entries costs a copy of them.

use crate::log::Index;
use crate::options::{Micros, Time};
use serde::Serialize;

/// A node's index in the cluster, from 0. People see it as `n1`…`nN`.
pub type NodeId = u32;

/// A Raft term (§5.1): a logical clock that only moves forward.
pub type Term = u64;

/// The promise a goose or candidate asks for under CheckQuorum: "do not vote
/// for anybody else for `length` after this message reaches you".
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lease {
    /// How long the receiver must refuse other votes after it receives this.
    pub length: Micros,
    /// The earliest instant the receiver's promise can end: the send time plus
    /// the network's minimum latency plus `length`. The sender knows this
    /// number without knowing when the message will arrive.
    pub floor: Time,
}

/// What a message says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Body {
    /// RequestVote (§5.2): "vote for me in this term". Under CheckQuorum it
    /// also asks the voter for a lease.
    VoteRequest {
        /// The promise asked for along with the vote, under CheckQuorum.
        lease: Option<Lease>,
        /// The index of the candidate's last log entry (§5.4.1).
        last_index: Index,
        /// The term of the candidate's last log entry (§5.4.1).
        last_term: Term,
    },
    /// The answer to a RequestVote.
    VoteReply {
        /// Whether the vote was granted.
        granted: bool,
        /// The floor of the lease the voter promised, when it granted one.
        lease_floor: Option<Time>,
    },
    /// PreVote (§9.6): "would you vote for me in this term?" The message's
    /// term is the term the sender would campaign in; nobody changes state.
    PreVoteRequest {
        /// The index of the sender's last log entry (§5.4.1 applies to
        /// pre-votes too).
        last_index: Index,
        /// The term of the sender's last log entry.
        last_term: Term,
    },
    /// The answer to a PreVote. When granted, its term is the proposed term.
    PreVoteReply {
        /// Whether the receiver would vote for the sender.
        granted: bool,
    },
    /// AppendEntries (§5.3): "I am the goose of this term; after entry
    /// `prev_index` of term `prev_term`, your log holds the `count` entries
    /// that come with this message". With none it is a heartbeat (§5.2).
    AppendEntries {
        /// The promise asked of each duck, under CheckQuorum.
        lease: Option<Lease>,
        /// The index of the entry just before `entries`.
        prev_index: Index,
        /// Its term: the consistency check (§5.3).
        prev_term: Term,
        /// How many entries come with it (beside it: see the module doc), at
        /// most [`crate::node::MAX_ENTRIES`].
        count: u32,
        /// The goose's commit index (§5.3).
        commit: Index,
    },
    /// The answer to an AppendEntries: an acknowledgement in the same term,
    /// or a higher term that makes a stale goose step down.
    AppendReply {
        /// The floor of the lease the duck promised, echoed back.
        lease_floor: Option<Time>,
        /// Whether the consistency check passed and the entries are stored.
        success: bool,
        /// On success, the index up to which the duck's log now matches the
        /// goose's (its matchIndex). On failure, where the goose should try
        /// next: past the duck's log, or the first entry of the conflicting
        /// term (§5.3's optimisation).
        index: Index,
    },
}

/// One message: the sender's term and what it says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Message {
    /// The sender's current term, or the proposed term for PreVote messages.
    pub term: Term,
    /// The content.
    pub body: Body,
}

/// The eight kinds of message that people tell apart on the canvas and in the
/// statistics.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    /// RequestVote.
    VoteRequest,
    /// A RequestVote reply that grants the vote.
    VoteGranted,
    /// A RequestVote reply that refuses the vote.
    VoteDenied,
    /// PreVote request.
    PrevoteRequest,
    /// A PreVote reply that says yes.
    PrevoteGranted,
    /// A PreVote reply that says no.
    PrevoteDenied,
    /// An AppendEntries (a heartbeat when it carries no entries; the name
    /// stays the one people see on the canvas).
    Heartbeat,
    /// An AppendEntries reply.
    HeartbeatReply,
}

impl Kind {
    /// Every kind, in a fixed order (the order of the statistics).
    pub const ALL: [Kind; 8] = [
        Kind::VoteRequest,
        Kind::VoteGranted,
        Kind::VoteDenied,
        Kind::PrevoteRequest,
        Kind::PrevoteGranted,
        Kind::PrevoteDenied,
        Kind::Heartbeat,
        Kind::HeartbeatReply,
    ];

    /// The kind's position in [`Kind::ALL`], for counting in arrays.
    pub fn index(self) -> usize {
        self as usize
    }

    /// The snake_case name used in JSON and in the scenario language.
    pub fn name(self) -> &'static str {
        match self {
            Kind::VoteRequest => "vote_request",
            Kind::VoteGranted => "vote_granted",
            Kind::VoteDenied => "vote_denied",
            Kind::PrevoteRequest => "prevote_request",
            Kind::PrevoteGranted => "prevote_granted",
            Kind::PrevoteDenied => "prevote_denied",
            Kind::Heartbeat => "heartbeat",
            Kind::HeartbeatReply => "heartbeat_reply",
        }
    }

    /// A short label for people: "vote request", "heartbeat reply".
    pub fn label(self) -> &'static str {
        match self {
            Kind::VoteRequest => "vote request",
            Kind::VoteGranted => "vote granted",
            Kind::VoteDenied => "vote denied",
            Kind::PrevoteRequest => "prevote request",
            Kind::PrevoteGranted => "prevote granted",
            Kind::PrevoteDenied => "prevote denied",
            Kind::Heartbeat => "heartbeat",
            Kind::HeartbeatReply => "heartbeat reply",
        }
    }
}

impl Message {
    /// Which of the eight kinds this message is.
    pub fn kind(&self) -> Kind {
        match self.body {
            Body::VoteRequest { .. } => Kind::VoteRequest,
            Body::VoteReply { granted: true, .. } => Kind::VoteGranted,
            Body::VoteReply { granted: false, .. } => Kind::VoteDenied,
            Body::PreVoteRequest { .. } => Kind::PrevoteRequest,
            Body::PreVoteReply { granted: true } => Kind::PrevoteGranted,
            Body::PreVoteReply { granted: false } => Kind::PrevoteDenied,
            Body::AppendEntries { .. } => Kind::Heartbeat,
            Body::AppendReply { .. } => Kind::HeartbeatReply,
        }
    }
}

impl Message {
    /// How many log entries the message carries (0 but for AppendEntries).
    pub fn entry_count(&self) -> usize {
        match self.body {
            Body::AppendEntries { count, .. } => count as usize,
            _ => 0,
        }
    }
}

/// Writes a node id the way people see it: `n1` for id 0.
pub fn node_name(id: NodeId) -> String {
    format!("n{}", id + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulator copies messages on every send and delivery: they stay
    /// `Copy` and small (entries travel beside them).
    #[test]
    fn a_message_is_small() {
        assert!(
            std::mem::size_of::<Message>() <= 64,
            "{}",
            std::mem::size_of::<Message>()
        );
    }
}
