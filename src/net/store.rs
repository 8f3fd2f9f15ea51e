//! A node's disk: its term, its vote and the longest lease it ever promised,
//! written atomically and durably.
//!
//! [`Store::save`] writes a temporary file, `fsync`s it, renames it over
//! `state.json` and `fsync`s the directory, so that after a crash at any
//! instant the file holds either the old state or the new one, and once
//! `save` returns the new one survives. The driver saves *before* it sends any
//! message that depends on the new state (a vote, a campaign in a new term, a
//! promise), so `kill -9` never loses anything promised (Raft Figure 2).
//!
//! A missing data directory or state file is a fresh node. A file that exists
//! but cannot be read back is an error: the node refuses to start rather than
//! start again at term 0 and vote twice.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::message::{node_name, NodeId, Term};
use crate::options::Micros;

/// The file's format version.
const FORMAT: u32 = 1;
const FILE: &str = "state.json";
const TEMP: &str = "state.json.tmp";

/// What a node keeps on disk.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct HardState {
    /// Its current term (§5.1).
    pub term: Term,
    /// Whom it voted for in that term (§5.2).
    pub voted_for: Option<NodeId>,
    /// The longest lease it ever promised, margin included, or 0 if it never
    /// promised one: after a restart it promises this long again from boot.
    pub lease: Micros,
}

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct OnDisk {
    format: u32,
    node: String,
    cluster: u64,
    term: Term,
    voted_for: Option<NodeId>,
    lease_us: Micros,
}

/// The data directory of one node.
#[derive(Debug)]
pub struct Store {
    dir: PathBuf,
    node: NodeId,
    cluster: u64,
}

impl Store {
    /// The store in `dir` for node `node` of cluster `cluster`.
    pub fn new(dir: &Path, node: NodeId, cluster: u64) -> Store {
        Store {
            dir: dir.to_path_buf(),
            node,
            cluster,
        }
    }

    /// The state file's path.
    pub fn path(&self) -> PathBuf {
        self.dir.join(FILE)
    }

    /// Reads the state: `Ok(None)` for a fresh node (no directory or no file),
    /// an error for a file that exists but is not a state of this node.
    pub fn load(&self) -> Result<Option<HardState>, String> {
        let path = self.path();
        let text = match fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        };
        let corrupt = |why: String| {
            format!(
                "{} is corrupt ({why}); refusing to start, because starting again at term 0 \
                 could vote twice in a term. Restore it, or delete the data directory to make \
                 this node new (only safe if the cluster forgot it)",
                path.display()
            )
        };
        let disk: OnDisk = serde_json::from_str(&text).map_err(|e| corrupt(e.to_string()))?;
        if disk.format != FORMAT {
            return Err(corrupt(format!("unknown format {}", disk.format)));
        }
        if disk.node != node_name(self.node) {
            return Err(corrupt(format!(
                "it belongs to {}, not {}",
                disk.node,
                node_name(self.node)
            )));
        }
        if disk.cluster != self.cluster {
            return Err(corrupt(format!(
                "it belongs to cluster {}, not {}",
                disk.cluster, self.cluster
            )));
        }
        Ok(Some(HardState {
            term: disk.term,
            voted_for: disk.voted_for,
            lease: disk.lease_us,
        }))
    }

    /// Writes `state` atomically and durably (see the module doc).
    pub fn save(&self, state: &HardState) -> Result<(), String> {
        let fail = |what: &str, e: std::io::Error| format!("{what} {}: {e}", self.dir.display());
        fs::create_dir_all(&self.dir).map_err(|e| fail("cannot create", e))?;
        let disk = OnDisk {
            format: FORMAT,
            node: node_name(self.node),
            cluster: self.cluster,
            term: state.term,
            voted_for: state.voted_for,
            lease_us: state.lease,
        };
        let text = serde_json::to_string(&disk).map_err(|e| e.to_string())? + "\n";
        let temp = self.dir.join(TEMP);
        let mut file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(true)
            .open(&temp)
            .map_err(|e| fail("cannot write in", e))?;
        file.write_all(text.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| fail("cannot write in", e))?;
        drop(file);
        fs::rename(&temp, self.path()).map_err(|e| fail("cannot rename in", e))?;
        File::open(&self.dir)
            .and_then(|d| d.sync_all())
            .map_err(|e| fail("cannot sync", e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ddg-store-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn a_missing_directory_is_a_fresh_node_and_state_round_trips() {
        let dir = temp_dir("roundtrip");
        let store = Store::new(&dir.join("deeper"), 2, 77);
        assert_eq!(store.load(), Ok(None));
        let state = HardState {
            term: 9,
            voted_for: Some(4),
            lease: 165_000,
        };
        store.save(&state).unwrap();
        assert_eq!(store.load(), Ok(Some(state)));
        let next = HardState {
            term: 10,
            voted_for: None,
            lease: 165_000,
        };
        store.save(&next).unwrap();
        assert_eq!(store.load(), Ok(Some(next)));
        assert!(!dir.join("deeper").join(TEMP).exists());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_corrupt_or_foreign_file_refuses_to_start() {
        let dir = temp_dir("corrupt");
        let store = Store::new(&dir, 0, 1);
        store.save(&HardState::default()).unwrap();
        // Another node's or another cluster's file.
        assert!(Store::new(&dir, 1, 1)
            .load()
            .unwrap_err()
            .contains("belongs to n1"));
        assert!(Store::new(&dir, 0, 2)
            .load()
            .unwrap_err()
            .contains("cluster 1"));
        // A torn or garbled file.
        for junk in ["", "{\"format\":1,", "not json", "{\"format\":2}"] {
            fs::write(store.path(), junk).unwrap();
            let err = store.load().unwrap_err();
            assert!(err.contains("corrupt") && err.contains("refusing"), "{err}");
        }
        fs::remove_dir_all(&dir).unwrap();
    }
}
