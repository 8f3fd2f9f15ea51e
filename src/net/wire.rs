//! The peer wire format: one [`Message`] per UDP datagram.
//!
//! Every datagram is a fixed header and a body, all integers big-endian:
//!
//! | bytes | field |
//! |---|---|
//! | 3 | the magic bytes `DDG` |
//! | 1 | the format version, [`VERSION`] |
//! | 8 | cluster id: two clusters on one machine never mix |
//! | 4 | sender's node id |
//! | 4 | receiver's node id |
//! | 8 | the message's term |
//! | 1 | kind: 0 vote request, 1 vote reply, 2 pre-vote request, 3 pre-vote reply, 4 append entries, 5 append reply |
//! | … | the body (see [`encode`]) |
//!
//! Version 2 added the log (Raft §5.3, §5.4.1): a (pre)vote request carries
//! the last log index and term; AppendEntries carries prevLogIndex,
//! prevLogTerm, leaderCommit and up to [`MAX_ENTRIES`] entries (each a term,
//! a kind byte — 0 no-op, 1 client request — and a request's number); its
//! reply carries success and an index.
//!
//! Decoding checks everything and never panics: a datagram that is too short,
//! too long, of another version, of another cluster, addressed to somebody
//! else or with a bad field is an [`Error`], which the driver counts and drops.

use crate::config::{Change, MAX_SLOTS};
use crate::log::{Entry, EntryKind};
use crate::message::{Body, Lease, Message, NodeId};
use crate::node::MAX_ENTRIES;

/// The format's version, the fourth byte of every datagram.
pub const VERSION: u8 = 2;

/// The longest datagram a node accepts (a full AppendEntries is 343 bytes);
/// anything longer is dropped unread.
pub const MAX_DATAGRAM: usize = 512;

const MAGIC: &[u8; 3] = b"DDG";
const HEADER: usize = 4 + 8 + 4 + 4 + 8 + 1;

/// A datagram's envelope: who sent it, to whom, in which cluster.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Envelope {
    /// The cluster it belongs to.
    pub cluster: u64,
    /// The sender.
    pub from: NodeId,
    /// The receiver.
    pub to: NodeId,
}

/// Why a datagram was dropped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Error {
    /// Longer than [`MAX_DATAGRAM`].
    Oversized,
    /// Not a DuckDuckGoose datagram, or cut short, or with a bad field.
    Malformed,
    /// A DuckDuckGoose datagram of another format version.
    Version,
    /// A datagram of another cluster, or not addressed to this node, or from
    /// a node id outside the cluster.
    Foreign,
}

impl Error {
    /// The name used in metrics (`reason` label).
    pub fn name(self) -> &'static str {
        match self {
            Error::Oversized => "oversized",
            Error::Malformed => "malformed",
            Error::Version => "version",
            Error::Foreign => "foreign",
        }
    }
}

fn put_opt_u64(buf: &mut Vec<u8>, v: Option<u64>) {
    match v {
        None => buf.push(0),
        Some(v) => {
            buf.push(1);
            buf.extend_from_slice(&v.to_be_bytes());
        }
    }
}

fn put_lease(buf: &mut Vec<u8>, lease: Option<Lease>) {
    match lease {
        None => buf.push(0),
        Some(l) => {
            buf.push(1);
            buf.extend_from_slice(&l.length.to_be_bytes());
            buf.extend_from_slice(&l.floor.to_be_bytes());
        }
    }
}

/// Writes `msg` from `env.from` to `env.to` as one datagram, with the
/// entries it carries (none but for an AppendEntries, whose count is theirs).
pub fn encode(env: Envelope, msg: &Message, entries: &[Entry]) -> Vec<u8> {
    let mut buf = Vec::with_capacity(MAX_DATAGRAM);
    buf.extend_from_slice(MAGIC);
    buf.push(VERSION);
    buf.extend_from_slice(&env.cluster.to_be_bytes());
    buf.extend_from_slice(&env.from.to_be_bytes());
    buf.extend_from_slice(&env.to.to_be_bytes());
    buf.extend_from_slice(&msg.term.to_be_bytes());
    let put = |buf: &mut Vec<u8>, v: u64| buf.extend_from_slice(&v.to_be_bytes());
    match &msg.body {
        &Body::VoteRequest {
            lease,
            last_index,
            last_term,
        } => {
            buf.push(0);
            put_lease(&mut buf, lease);
            put(&mut buf, last_index);
            put(&mut buf, last_term);
        }
        &Body::VoteReply {
            granted,
            lease_floor,
        } => {
            buf.push(1);
            buf.push(granted as u8);
            put_opt_u64(&mut buf, lease_floor);
        }
        &Body::PreVoteRequest {
            last_index,
            last_term,
        } => {
            buf.push(2);
            put(&mut buf, last_index);
            put(&mut buf, last_term);
        }
        &Body::PreVoteReply { granted } => {
            buf.push(3);
            buf.push(granted as u8);
        }
        Body::AppendEntries {
            lease,
            prev_index,
            prev_term,
            count,
            commit,
        } => {
            debug_assert_eq!(*count as usize, entries.len());
            buf.push(4);
            put_lease(&mut buf, *lease);
            put(&mut buf, *prev_index);
            put(&mut buf, *prev_term);
            put(&mut buf, *commit);
            // The node never sends more than MAX_ENTRIES (a u8 holds it).
            buf.push(entries.len().min(MAX_ENTRIES) as u8);
            for entry in entries.iter().take(MAX_ENTRIES) {
                put(&mut buf, entry.term);
                match entry.kind {
                    EntryKind::Noop => buf.push(0),
                    EntryKind::Request(k) => {
                        buf.push(1);
                        put(&mut buf, k);
                    }
                    EntryKind::Config(Change::Add(n)) => {
                        buf.push(2);
                        put(&mut buf, n as u64);
                    }
                    EntryKind::Config(Change::Remove(n)) => {
                        buf.push(3);
                        put(&mut buf, n as u64);
                    }
                }
            }
        }
        &Body::AppendReply {
            lease_floor,
            success,
            index,
        } => {
            buf.push(5);
            put_opt_u64(&mut buf, lease_floor);
            buf.push(success as u8);
            put(&mut buf, index);
        }
    }
    buf
}

/// A cursor over a datagram that fails, rather than panics, when cut short.
struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take<const N: usize>(&mut self) -> Result<[u8; N], Error> {
        if self.0.len() < N {
            return Err(Error::Malformed);
        }
        let (head, rest) = self.0.split_at(N);
        self.0 = rest;
        Ok(head.try_into().expect("split_at gave N bytes"))
    }
    fn u8(&mut self) -> Result<u8, Error> {
        Ok(self.take::<1>()?[0])
    }
    fn u32(&mut self) -> Result<u32, Error> {
        Ok(u32::from_be_bytes(self.take()?))
    }
    fn u64(&mut self) -> Result<u64, Error> {
        Ok(u64::from_be_bytes(self.take()?))
    }
    fn flag(&mut self) -> Result<bool, Error> {
        match self.u8()? {
            0 => Ok(false),
            1 => Ok(true),
            _ => Err(Error::Malformed),
        }
    }
    fn opt_u64(&mut self) -> Result<Option<u64>, Error> {
        Ok(if self.flag()? {
            Some(self.u64()?)
        } else {
            None
        })
    }
    fn lease(&mut self) -> Result<Option<Lease>, Error> {
        if !self.flag()? {
            return Ok(None);
        }
        Ok(Some(Lease {
            length: self.u64()?,
            floor: self.u64()?,
        }))
    }
}

/// Reads one datagram meant for node `me` of cluster `cluster` in a cluster
/// of `size` nodes: the sender, the message and the entries it carries.
pub fn decode(
    bytes: &[u8],
    cluster: u64,
    me: NodeId,
    size: u32,
) -> Result<(NodeId, Message, Vec<Entry>), Error> {
    if bytes.len() > MAX_DATAGRAM {
        return Err(Error::Oversized);
    }
    if bytes.len() < HEADER || &bytes[..3] != MAGIC {
        return Err(Error::Malformed);
    }
    if bytes[3] != VERSION {
        return Err(Error::Version);
    }
    let mut r = Reader(&bytes[4..]);
    let their_cluster = r.u64()?;
    let from = r.u32()?;
    let to = r.u32()?;
    if their_cluster != cluster || to != me || from >= size || from == me {
        return Err(Error::Foreign);
    }
    let term = r.u64()?;
    let mut entries = Vec::new();
    let body = match r.u8()? {
        0 => Body::VoteRequest {
            lease: r.lease()?,
            last_index: r.u64()?,
            last_term: r.u64()?,
        },
        1 => Body::VoteReply {
            granted: r.flag()?,
            lease_floor: r.opt_u64()?,
        },
        2 => Body::PreVoteRequest {
            last_index: r.u64()?,
            last_term: r.u64()?,
        },
        3 => Body::PreVoteReply { granted: r.flag()? },
        4 => {
            let lease = r.lease()?;
            let prev_index = r.u64()?;
            let prev_term = r.u64()?;
            let commit = r.u64()?;
            let count = r.u8()? as usize;
            if count > MAX_ENTRIES {
                return Err(Error::Malformed);
            }
            entries.reserve_exact(count);
            for _ in 0..count {
                let term = r.u64()?;
                let kind = match r.u8()? {
                    0 => EntryKind::Noop,
                    1 => EntryKind::Request(r.u64()?),
                    k @ (2 | 3) => {
                        let n = r.u64()?;
                        if n >= MAX_SLOTS as u64 {
                            return Err(Error::Malformed);
                        }
                        let n = n as NodeId;
                        EntryKind::Config(if k == 2 {
                            Change::Add(n)
                        } else {
                            Change::Remove(n)
                        })
                    }
                    _ => return Err(Error::Malformed),
                };
                entries.push(Entry { term, kind });
            }
            Body::AppendEntries {
                lease,
                prev_index,
                prev_term,
                count: count as u32,
                commit,
            }
        }
        5 => Body::AppendReply {
            lease_floor: r.opt_u64()?,
            success: r.flag()?,
            index: r.u64()?,
        },
        _ => return Err(Error::Malformed),
    };
    if !r.0.is_empty() {
        return Err(Error::Malformed);
    }
    Ok((from, Message { term, body }, entries))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rng::SimRng;

    /// Every kind of message, each with the entries it carries.
    fn every_message() -> Vec<(Message, Vec<Entry>)> {
        let lease = Some(Lease {
            length: 150_000,
            floor: u64::MAX - 1,
        });
        let entries: Vec<Entry> = (0..MAX_ENTRIES as u64)
            .map(|k| Entry {
                term: u64::MAX - k,
                kind: if k % 2 == 0 {
                    EntryKind::Noop
                } else {
                    EntryKind::Request(u64::MAX - 3 * k)
                },
            })
            .collect();
        let bodies = [
            Body::VoteRequest {
                lease: None,
                last_index: 0,
                last_term: 0,
            },
            Body::VoteRequest {
                lease,
                last_index: u64::MAX,
                last_term: 7,
            },
            Body::VoteReply {
                granted: true,
                lease_floor: Some(7),
            },
            Body::VoteReply {
                granted: false,
                lease_floor: None,
            },
            Body::PreVoteRequest {
                last_index: 12,
                last_term: 3,
            },
            Body::PreVoteReply { granted: true },
            Body::PreVoteReply { granted: false },
            Body::AppendEntries {
                lease: None,
                prev_index: 0,
                prev_term: 0,
                count: 0,
                commit: 0,
            },
            Body::AppendEntries {
                lease,
                prev_index: 41,
                prev_term: 6,
                count: MAX_ENTRIES as u32,
                commit: u64::MAX,
            },
            Body::AppendReply {
                lease_floor: None,
                success: false,
                index: 5,
            },
            Body::AppendReply {
                lease_floor: Some(123_456_789),
                success: true,
                index: u64::MAX,
            },
        ];
        bodies
            .into_iter()
            .enumerate()
            .map(|(i, body)| {
                let msg = Message {
                    term: i as u64 * 1_000_000_007,
                    body,
                };
                let with = entries[..msg.entry_count()].to_vec();
                (msg, with)
            })
            .collect()
    }

    const ENV: Envelope = Envelope {
        cluster: 0x0dd6_005e,
        from: 2,
        to: 4,
    };

    #[test]
    fn every_message_round_trips() {
        for (msg, entries) in every_message() {
            let bytes = encode(ENV, &msg, &entries);
            assert!(
                bytes.len() <= MAX_DATAGRAM,
                "{msg:?} is {} bytes",
                bytes.len()
            );
            assert_eq!(decode(&bytes, ENV.cluster, 4, 5), Ok((2, msg, entries)));
        }
    }

    #[test]
    fn foreign_datagrams_are_refused() {
        let bytes = encode(ENV, &every_message()[1].0, &[]);
        // Another cluster, another receiver, a sender outside the cluster or
        // the receiver itself.
        assert_eq!(decode(&bytes, 1, 4, 5), Err(Error::Foreign));
        assert_eq!(decode(&bytes, ENV.cluster, 3, 5), Err(Error::Foreign));
        assert_eq!(decode(&bytes, ENV.cluster, 4, 2), Err(Error::Foreign));
        let me = encode(Envelope { from: 4, ..ENV }, &every_message()[1].0, &[]);
        assert_eq!(decode(&me, ENV.cluster, 4, 5), Err(Error::Foreign));
    }

    #[test]
    fn bad_datagrams_are_errors_not_panics() {
        let good = encode(ENV, &every_message()[1].0, &[]);
        assert_eq!(decode(&[], 0, 0, 5), Err(Error::Malformed));
        assert_eq!(
            decode(&[0; MAX_DATAGRAM + 1], 0, 0, 5),
            Err(Error::Oversized)
        );
        let mut other_version = good.clone();
        other_version[3] = 1;
        assert_eq!(
            decode(&other_version, ENV.cluster, 4, 5),
            Err(Error::Version)
        );
        let mut bad_kind = good.clone();
        bad_kind[HEADER - 1] = 9;
        assert_eq!(decode(&bad_kind, ENV.cluster, 4, 5), Err(Error::Malformed));
        let mut bad_flag = good.clone();
        bad_flag[HEADER] = 2;
        assert_eq!(decode(&bad_flag, ENV.cluster, 4, 5), Err(Error::Malformed));
        let mut trailing = good.clone();
        trailing.push(0);
        assert_eq!(decode(&trailing, ENV.cluster, 4, 5), Err(Error::Malformed));
        // Every truncation of every message is refused.
        for (msg, entries) in every_message() {
            let bytes = encode(ENV, &msg, &entries);
            for len in 0..bytes.len() {
                assert!(decode(&bytes[..len], ENV.cluster, 4, 5).is_err());
            }
        }
    }

    #[test]
    fn random_bytes_never_panic() {
        let seed = crate::random_seed();
        // Shown if the test fails, so the failing bytes can be replayed.
        eprintln!("seed {seed}");
        let mut rng = SimRng::new(seed);
        let good = encode(ENV, &every_message()[1].0, &[]);
        for _ in 0..20_000 {
            // Random garbage, and a good datagram with random bytes flipped.
            let len = rng.range_inclusive(0, 80) as usize;
            let junk: Vec<u8> = (0..len)
                .map(|_| rng.range_inclusive(0, 255) as u8)
                .collect();
            let _ = decode(&junk, ENV.cluster, 4, 5);
            let mut flipped = good.clone();
            let at = rng.range_inclusive(0, good.len() as u64 - 1) as usize;
            flipped[at] = rng.range_inclusive(0, 255) as u8;
            if let Ok((from, _, _)) = decode(&flipped, ENV.cluster, 4, 5) {
                assert!(from < 5 && from != 4, "seed {seed}");
            }
        }
    }
}
