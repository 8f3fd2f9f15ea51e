//! One real [`Node`] fed arbitrary inputs: messages with any term, lease and
//! floor from any peer (all that the wire format lets through), ticks at any
//! time, forced timeouts, restarts, option changes, a boot from any saved
//! state. It never panics, never asks to be woken in the past, and keeps the
//! invariants that hold whatever its peers say: its term never goes back and
//! it votes once per term (the invariant checker, §5.1, §5.2).
#![no_main]

mod common;

use arbitrary::{Result, Unstructured};
use duckduckgoose::config::{Change, Members, MAX_SLOTS};
use duckduckgoose::log::{Entry, EntryKind, Log};
use duckduckgoose::message::{Body, Lease, Message, Term};
use duckduckgoose::node::{Ctx, Node, Outbox, MAX_ENTRIES};
use duckduckgoose::options::Time;
use duckduckgoose::rng::SimRng;
use duckduckgoose::sim::invariants::Checker;
use libfuzzer_sys::fuzz_target;

/// A real node's clock (microseconds since its process started) stays far
/// below this: about 35 years.
const CLOCK_END: Time = 1 << 50;

fn lease(u: &mut Unstructured) -> Result<Option<Lease>> {
    Ok(if u.arbitrary()? {
        Some(Lease {
            length: u.arbitrary()?,
            floor: u.arbitrary()?,
        })
    } else {
        None
    })
}

/// Up to [`MAX_ENTRIES`] entries of any term (all the wire lets through).
fn entries(u: &mut Unstructured) -> Result<Vec<Entry>> {
    let count = u.int_in_range(0..=MAX_ENTRIES)?;
    (0..count)
        .map(|_| {
            Ok(Entry {
                term: u.arbitrary()?,
                kind: kind(u)?,
            })
        })
        .collect()
}

/// Any entry kind the wire lets through, configuration changes of any node
/// id below the wire's bound included.
fn kind(u: &mut Unstructured) -> Result<EntryKind> {
    Ok(match u.int_in_range(0..=3)? {
        0 => EntryKind::Noop,
        1 => EntryKind::Request(u.arbitrary()?),
        _ => EntryKind::Config(change(u)?),
    })
}

fn change(u: &mut Unstructured) -> Result<Change> {
    let id = u.int_in_range(0..=MAX_SLOTS - 1)?;
    Ok(if u.arbitrary()? {
        Change::Add(id)
    } else {
        Change::Remove(id)
    })
}

/// A message with the entries it carries (they travel beside it).
fn message(u: &mut Unstructured) -> Result<(Message, Vec<Entry>)> {
    let mut carried = Vec::new();
    let body = match u.int_in_range(0..=5)? {
        0 => Body::VoteRequest {
            lease: lease(u)?,
            last_index: u.arbitrary()?,
            last_term: u.arbitrary()?,
        },
        1 => Body::VoteReply {
            granted: u.arbitrary()?,
            lease_floor: u.arbitrary()?,
        },
        2 => Body::PreVoteRequest {
            last_index: u.arbitrary()?,
            last_term: u.arbitrary()?,
        },
        3 => Body::PreVoteReply {
            granted: u.arbitrary()?,
        },
        4 => {
            carried = entries(u)?;
            Body::AppendEntries {
                lease: lease(u)?,
                prev_index: u.arbitrary()?,
                prev_term: u.arbitrary()?,
                count: carried.len() as u32,
                commit: u.arbitrary()?,
            }
        }
        _ => Body::AppendReply {
            lease_floor: u.arbitrary()?,
            success: u.arbitrary()?,
            index: u.arbitrary()?,
        },
    };
    let msg = Message {
        term: u.arbitrary()?,
        body,
    };
    Ok((msg, carried))
}

fn run(u: &mut Unstructured) -> Result<()> {
    let size = u.int_in_range(1..=7u32)?;
    let id = u.int_in_range(0..=size - 1)?;
    let mut opts = common::options(u)?;
    let mut rng = SimRng::new(u.arbitrary()?);
    let mut now: Time = u.int_in_range(0..=1 << 40)?;
    let mut node = if u.arbitrary()? {
        // A boot from the disk: any term, any vote, any promise.
        let voted_for = if u.arbitrary()? {
            Some(u.int_in_range(0..=size - 1)?)
        } else {
            None
        };
        // A log read back from disk: terms never decrease and none is past
        // the node's own term.
        let term: Term = u.arbitrary()?;
        let mut entries = Vec::new();
        let mut last = 0;
        for k in 0..u.int_in_range(0..=4u64)? {
            last = u.int_in_range(last..=term)?;
            let kind = match u.int_in_range(0..=2)? {
                0 => EntryKind::Noop,
                1 => EntryKind::Request(k),
                _ => EntryKind::Config(change(u)?),
            };
            entries.push(Entry { term: last, kind });
        }
        // Any initial configuration, this node in it or not.
        let mut initial = Members::EMPTY;
        for m in 0..size {
            if u.arbitrary()? {
                initial = initial.with(m);
            }
        }
        Node::recovered(
            id,
            size,
            initial,
            now,
            term,
            voted_for,
            Log::from_entries(entries).expect("4 entries fit"),
            u.arbitrary()?,
            &opts,
            &mut rng,
        )
    } else {
        Node::new(id, size, now, &opts, &mut rng)
    };
    let mut checker = Checker::new(size, 0);
    let mut out = Outbox::default();
    checker.observe(now, id, Some(node.role()), node.term(), node.voted_for());
    while !u.is_empty() {
        let mut ctx = Ctx {
            opts: &opts,
            rng: &mut rng,
            out: &mut out,
        };
        match u.int_in_range(0..=7)? {
            0 => now = (now + u.int_in_range(0..=1_000_000)?).min(CLOCK_END),
            1 => {
                // To its deadline, or a microsecond either side.
                let deadline = node.deadline(&opts).min(CLOCK_END);
                now = now.max(deadline.saturating_sub(1) + u.int_in_range(0..=2)?);
            }
            2 => {
                let due = now >= node.deadline(&opts);
                node.tick(now, &mut ctx);
                if due {
                    let next = node.deadline(&opts);
                    assert!(next > now, "a tick at {now} asks for the next at {next}");
                }
            }
            3 | 4 => {
                let from = u.int_in_range(0..=size - 1)?;
                if from != id {
                    let (msg, entries) = message(u)?;
                    node.receive(now, from, &msg, &entries, &mut ctx);
                }
            }
            5 => match u.int_in_range(0..=2)? {
                0 => {
                    node.force_timeout(now, &mut ctx);
                }
                1 => node.restart(now, &mut ctx),
                _ => {
                    let new = common::options(u)?;
                    let old = std::mem::replace(&mut opts, new);
                    let mut ctx = Ctx {
                        opts: &opts,
                        rng: &mut rng,
                        out: &mut out,
                    };
                    node.options_changed(now, &old, &mut ctx);
                }
            },
            6 => {
                // A membership change asked of whatever this node is.
                let _ = node.change(now, change(u)?, &mut ctx);
            }
            _ => {}
        }
        for &(to, _) in &out.messages {
            assert!(to < size && to != id, "n{} sent to n{}", id + 1, to + 1);
        }
        out.clear();
        checker.observe(now, id, Some(node.role()), node.term(), node.voted_for());
        checker.end_of_event(now, opts.check_quorum);
        if let Some(v) = checker.violations().first() {
            panic!("{v}");
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
