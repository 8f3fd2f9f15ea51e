//! # DuckDuckGoose: Raft leader election you can watch
//!
//! A cluster of nodes elects exactly one **goose** (the leader); every other
//! node is a **duck** (a follower). This crate is the election of Raft §5.2 —
//! terms, RequestVote, heartbeats, randomized election timeouts — with
//! CheckQuorum and PreVote as options, inside a deterministic simulator.
//!
//! ## One model, one language, many faces
//! - [`node`]: one node's election rules as a state machine with no I/O. It
//!   is given the time and its input, and answers with messages and a
//!   deadline.
//! - [`sim`]: the deterministic world: simulated clock, event queue, one
//!   seeded generator, the network model, the invariant checker and the
//!   statistics. Same seed and same actions, same run.
//! - [`script`]: the scenario language, the one way anything acts on a run —
//!   the `ddg` CLI, golden tests, lessons, shared links and the page.
//! - `web` (wasm32 only): the page's facade and canvas.
//! - [`net`] (native only): the same node as a real process: UDP between
//!   peers, an HTTP API, a disk, and `ddg cluster` to run many.
//!
//! The core (`node`, `message`, `options`, `rng`, `sim`, `script`) never
//! reads a clock, never draws global randomness and never touches the
//! browser; it builds and tests natively.

pub mod chaos;
pub mod chunked;
pub mod compact;
pub mod config;
pub mod experiment;
pub mod lessons;
pub mod log;
pub mod message;
#[cfg(not(target_arch = "wasm32"))]
pub mod net;
pub mod node;
pub mod options;
pub mod rng;
pub mod script;
pub mod sim;
pub mod view;
#[cfg(target_arch = "wasm32")]
pub mod web;

/// The page's allocator: talc instead of the standard dlmalloc, about 3 KB
/// less to download and faster to allocate (the page's size budget).
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();

pub use message::{Kind, Message, NodeId, Term};
pub use node::{Node, Role};
pub use options::{Options, Span, Time};
pub use script::{run_script, Session};
pub use sim::{Action, Cluster, Simulation};

/// A seed drawn from the operating system (or the browser's crypto API), for
/// runs that were not given one. The only place the crate reads randomness
/// from outside; the core never calls it.
pub fn random_seed() -> u64 {
    let mut bytes = [0u8; 8];
    match getrandom::fill(&mut bytes) {
        // 53 bits, so that a drawn seed survives JSON and JavaScript numbers.
        Ok(()) => u64::from_le_bytes(bytes) & ((1 << 53) - 1),
        // No entropy source at all: any seed is as good as another, and it is
        // reported like every drawn seed.
        Err(_) => 0x5eed_d0c5_600e,
    }
}
