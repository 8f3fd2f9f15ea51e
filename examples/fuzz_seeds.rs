//! Writes the seed corpora of the fuzz targets (fuzz/, issue 11 §4) into the
//! directory given (by default `fuzz/corpus`), one sub-directory per target:
//! the golden scenarios, the lessons and the real-cluster scenarios for the
//! parser and the import, each of them as a share link for the fragment
//! decoder, and one datagram of every kind for the wire decoder. The node
//! targets start from nothing: their inputs are schedules, not text.
//!
//! `cargo run --example fuzz_seeds [DIR]` (scripts/fuzz.sh runs it).

use std::fs;
use std::path::{Path, PathBuf};

use duckduckgoose::log::{Entry, EntryKind};
use duckduckgoose::message::{Body, Lease, Message};
use duckduckgoose::net::wire::{encode, Envelope};
use duckduckgoose::view::share;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join(name), bytes)
}

fn main() -> std::io::Result<()> {
    let out = PathBuf::from(std::env::args().nth(1).unwrap_or("fuzz/corpus".into()));
    let mut scenarios = Vec::new();
    for dir in ["tests/scenarios", "www/lessons", "tests/real"] {
        let mut paths: Vec<PathBuf> = fs::read_dir(dir)?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        paths.sort();
        for path in paths {
            if path.extension().is_some_and(|x| x == "ddg") {
                let name = format!("{dir}/{}", path.file_name().unwrap().to_string_lossy())
                    .replace('/', "_");
                scenarios.push((name, fs::read_to_string(&path)?));
            }
        }
    }
    for (name, text) in &scenarios {
        write(&out.join("scenario"), name, text.as_bytes())?;
        write(&out.join("import"), name, text.as_bytes())?;
        let link = format!("#{}", share::fragment(text, 1_500_000));
        write(&out.join("fragment"), name, link.as_bytes())?;
    }
    for (id, _) in duckduckgoose::lessons::index() {
        let link = format!("#lesson={id}&embed");
        write(
            &out.join("fragment"),
            &format!("lesson_{id}"),
            link.as_bytes(),
        )?;
    }
    let lease = Some(Lease {
        length: 150_000,
        floor: 1_175_000,
    });
    let bodies = [
        Body::VoteRequest {
            lease: None,
            last_index: 0,
            last_term: 0,
        },
        Body::VoteRequest {
            lease,
            last_index: 7,
            last_term: 2,
        },
        Body::VoteReply {
            granted: true,
            lease_floor: Some(1_175_000),
        },
        Body::VoteReply {
            granted: false,
            lease_floor: None,
        },
        Body::PreVoteRequest {
            last_index: 7,
            last_term: 2,
        },
        Body::PreVoteReply { granted: true },
        Body::AppendEntries {
            lease,
            prev_index: 7,
            prev_term: 2,
            count: 0,
            commit: 6,
        },
        Body::AppendEntries {
            lease,
            prev_index: 7,
            prev_term: 2,
            count: 2,
            commit: 6,
        },
        Body::AppendReply {
            lease_floor: Some(1_175_000),
            success: true,
            index: 7,
        },
    ];
    // To n5 of the cluster the wire target decodes for (fuzz/fuzz_targets/wire.rs).
    let env = Envelope {
        cluster: 0x0dd6_005e,
        from: 2,
        to: 4,
    };
    // The entries an AppendEntries carries go beside it (src/message.rs).
    let entries = [
        Entry {
            term: 3,
            kind: EntryKind::Noop,
        },
        Entry {
            term: 3,
            kind: EntryKind::Request(1),
        },
    ];
    for (i, body) in bodies.into_iter().enumerate() {
        let msg = Message { term: 3, body };
        let carried = &entries[..msg.entry_count()];
        write(
            &out.join("wire"),
            &format!("kind_{i}"),
            &encode(env, &msg, carried),
        )?;
    }
    println!("seed corpora written to {}", out.display());
    Ok(())
}
