//! A cluster of real [`Node`]s on a hostile network that the fuzzer
//! schedules: every message is delivered late, early (never before
//! `latency.min`, the one promise the network makes: see `crate::node`),
//! twice, out of order or never; nodes crash and come back with their disk;
//! timers are forced; options change at any moment, safe or not. Time moves
//! like the simulator's: no node's deadline is skipped. The invariant checker
//! watches every node after every event, and must see nothing: Election
//! Safety, one vote per term, terms never decreasing, and with CheckQuorum
//! never two geese at one instant (Raft §5.1, §5.2; dissertation §6.2).
#![no_main]

mod common;

use arbitrary::{Result, Unstructured};
use duckduckgoose::log::Entry;
use duckduckgoose::message::{Message, NodeId};
use duckduckgoose::node::{Ctx, Node, Outbox};
use duckduckgoose::options::{Options, Time};
use duckduckgoose::rng::SimRng;
use duckduckgoose::sim::invariants::Checker;
use libfuzzer_sys::fuzz_target;

/// A message on its way, with the entries it carries, and the earliest
/// instant it may arrive.
#[derive(Clone)]
struct Flight {
    from: NodeId,
    to: NodeId,
    msg: Message,
    entries: Vec<Entry>,
    earliest: Time,
}

/// The most messages in flight; beyond it, new ones are lost.
const MAX_FLIGHTS: usize = 256;

struct World {
    opts: Options,
    rng: SimRng,
    nodes: Vec<Node>,
    alive: Vec<bool>,
    now: Time,
    flights: Vec<Flight>,
    checker: Checker,
    out: Outbox,
}

impl World {
    /// Runs `f` on node `id` at `now`, then posts what it sent and shows the
    /// node to the checker.
    fn step(&mut self, id: NodeId, f: impl FnOnce(&mut Node, Time, &mut Ctx)) {
        let mut ctx = Ctx {
            opts: &self.opts,
            rng: &mut self.rng,
            out: &mut self.out,
        };
        f(&mut self.nodes[id as usize], self.now, &mut ctx);
        let earliest = self.now + self.opts.latency.min;
        for (to, msg, entries) in self.out.each() {
            assert!(to != id && (to as usize) < self.nodes.len());
            if self.flights.len() < MAX_FLIGHTS {
                self.flights.push(Flight {
                    from: id,
                    to,
                    msg,
                    entries: entries.to_vec(),
                    earliest,
                });
            }
        }
        self.out.clear();
        self.observe(id);
    }

    fn observe(&mut self, id: NodeId) {
        let node = &self.nodes[id as usize];
        let role = self.alive[id as usize].then(|| node.role());
        self.checker
            .observe(self.now, id, role, node.term(), node.voted_for());
    }

    fn end_of_event(&mut self) {
        self.checker.end_of_event(self.now, self.opts.check_quorum);
        if let Some(v) = self.checker.violations().first() {
            panic!("{v}");
        }
    }

    /// One of node `id`'s boundaries (issue 11 §2: faults land there).
    fn boundary(&self, id: NodeId, which: u8) -> Time {
        let node = &self.nodes[id as usize];
        match which {
            0 => node.deadline(&self.opts),
            1 => node.lease_until().unwrap_or(self.now),
            2 => node.majority_lease_end(),
            _ => node.step_down_at(&self.opts),
        }
        .min(self.now + 2_000_000)
    }

    /// Moves the clock to `t`, firing every live node's timer on the way, in
    /// order, as the simulator does.
    fn advance_to(&mut self, t: Time) {
        loop {
            let next = (0..self.nodes.len())
                .filter(|&i| self.alive[i])
                .map(|i| (self.nodes[i].deadline(&self.opts).max(self.now), i))
                .min();
            match next {
                Some((at, i)) if at <= t => {
                    self.now = at;
                    self.step(i as NodeId, |n, now, ctx| n.tick(now, ctx));
                    let again = self.nodes[i].deadline(&self.opts);
                    assert!(
                        again > at,
                        "n{} ticked at {at} wants a tick at {again}",
                        i + 1
                    );
                    self.end_of_event();
                }
                _ => break,
            }
        }
        self.now = self.now.max(t);
    }
}

fn run(u: &mut Unstructured) -> Result<()> {
    let size = u.int_in_range(1..=7u32)?;
    let opts = common::options(u)?;
    let mut rng = SimRng::new(u.arbitrary()?);
    let nodes = (0..size)
        .map(|id| Node::new(id, size, 0, &opts, &mut rng))
        .collect();
    let mut w = World {
        opts,
        rng,
        nodes,
        alive: vec![true; size as usize],
        now: 0,
        flights: Vec::new(),
        checker: Checker::new(size, 0),
        out: Outbox::default(),
    };
    for id in 0..size {
        w.observe(id);
    }
    while !u.is_empty() {
        match u.int_in_range(0..=9)? {
            0 => {
                let t = w.now + u.int_in_range(0..=500_000)?;
                w.advance_to(t);
            }
            1..=4 if !w.flights.is_empty() => {
                // Deliver one message: as early as allowed, or later.
                let i = u.choose_index(w.flights.len())?;
                let f = w.flights.swap_remove(i);
                let late = match u.int_in_range(0..=2)? {
                    0 => 0,
                    1 => u.int_in_range(0..=2)?,
                    _ => u.int_in_range(0..=300_000)?,
                };
                w.advance_to(f.earliest.max(w.now) + late);
                if w.alive[f.to as usize] {
                    w.step(f.to, |n, now, ctx| {
                        n.receive(now, f.from, &f.msg, &f.entries, ctx)
                    });
                    w.end_of_event();
                }
            }
            5 if !w.flights.is_empty() => {
                let i = u.choose_index(w.flights.len())?;
                if u.arbitrary()? {
                    w.flights.swap_remove(i);
                } else if w.flights.len() < MAX_FLIGHTS {
                    w.flights.push(w.flights[i].clone());
                }
            }
            6 => {
                // A crash (the disk survives), or a restart.
                let id = u.int_in_range(0..=size - 1)?;
                w.alive[id as usize] = !w.alive[id as usize];
                if w.alive[id as usize] {
                    w.step(id, |n, now, ctx| n.restart(now, ctx));
                } else {
                    w.observe(id);
                }
                w.end_of_event();
            }
            7 => {
                let id = u.int_in_range(0..=size - 1)?;
                if w.alive[id as usize] {
                    w.step(id, |n, now, ctx| {
                        n.force_timeout(now, ctx);
                    });
                    w.end_of_event();
                }
            }
            8 => {
                let old = std::mem::replace(&mut w.opts, common::options(u)?);
                for id in 0..size {
                    if w.alive[id as usize] {
                        w.step(id, |n, now, ctx| n.options_changed(now, &old, ctx));
                    }
                }
                w.end_of_event();
            }
            _ => {
                // To a boundary of a node, or a microsecond either side: its
                // next deadline, the end of its promise, the end of its
                // majority's leases (its crown), its step-down deadline.
                let id = u.int_in_range(0..=size - 1)?;
                let t = w.boundary(id, u.int_in_range(0..=3)?);
                let t = (t.saturating_sub(1) + u.int_in_range(0..=2)?).max(w.now);
                w.advance_to(t);
            }
        }
    }
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let _ = run(&mut Unstructured::new(data));
});
