//! The real nodes' datagram decoder (`src/net/wire.rs`): any bytes are a
//! message or an error, never a panic, and a datagram that decodes is exactly
//! what encoding its message writes (one encoding per message, nothing
//! ignored).
#![no_main]

use duckduckgoose::net::wire::{decode, encode, Envelope};
use libfuzzer_sys::fuzz_target;

/// The cluster and receiver the seed datagrams are addressed to.
const CLUSTER: u64 = 0x0dd6_005e;
const ME: u32 = 4;
const SIZE: u32 = 5;

fuzz_target!(|data: &[u8]| {
    if let Ok((from, msg, entries)) = decode(data, CLUSTER, ME, SIZE) {
        assert!(from < SIZE && from != ME, "from n{}", from + 1);
        let env = Envelope {
            cluster: CLUSTER,
            from,
            to: ME,
        };
        assert_eq!(
            encode(env, &msg, &entries),
            data,
            "{msg:?} {entries:?} decoded from other bytes"
        );
    }
});
