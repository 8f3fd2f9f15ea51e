//! A real node's log on disk (Raft Figure 2: the log is persistent state),
//! append-only, with every change `fsync`ed before the node sends anything
//! that depends on it.
//!
//! The file `log.bin` is a header followed by one fixed-size record per entry,
//! entry 1 first. Because records have one size, entry `i` sits at a known
//! offset: a follower that must drop a conflicting suffix (§5.3) truncates the
//! file there and appends the new entries; nothing else is ever rewritten.
//!
//! ```text
//! header  "DDGLOG" 0 FORMAT(u8) cluster(u64 LE) node(u32 LE)          20 bytes
//! record  term(u64 LE) kind(u8) payload(u64 LE) check(u32 LE)         21 bytes
//! ```
//!
//! `check` is FNV-1a over the entry's index and the record's first 17 bytes,
//! so a record that is garbled, or moved to another position, is noticed.
//!
//! After a crash the file may end in a record that was being written when the
//! process died: shorter than a record, or failing its check. Such a record
//! was never `fsync`ed, so no message that depended on it was sent; it is
//! dropped. A record that fails its check *before* the last one is damage,
//! not a torn write: the node refuses to start, because a node that forgets
//! part of its log could lose a committed entry.

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::config::{Change, MAX_SLOTS};
use crate::log::{Entry, EntryKind, Index, LOG_CAP};
use crate::message::{node_name, NodeId};

const FILE: &str = "log.bin";
const MAGIC: &[u8; 6] = b"DDGLOG";
/// The file's format version.
const FORMAT: u8 = 1;
const HEADER: u64 = 20;
const RECORD: u64 = 21;

/// The log file of one node, open for appending.
#[derive(Debug)]
pub struct LogFile {
    path: PathBuf,
    file: File,
    /// How many entries the file holds.
    len: Index,
}

impl LogFile {
    /// Opens (or creates) the log in `dir` for node `node` of cluster
    /// `cluster`, and returns it with the entries it holds. A torn last record
    /// is dropped; a damaged or foreign file is an error.
    pub fn open(dir: &Path, node: NodeId, cluster: u64) -> Result<(LogFile, Vec<Entry>), String> {
        let path = dir.join(FILE);
        let fail = |what: &str, e: std::io::Error| format!("{what} {}: {e}", path.display());
        fs::create_dir_all(dir).map_err(|e| fail("cannot create the directory of", e))?;
        let fresh = !path.exists();
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(|e| fail("cannot open", e))?;
        let header = header(node, cluster);
        if fresh {
            file.write_all(&header)
                .and_then(|()| file.sync_all())
                .map_err(|e| fail("cannot write", e))?;
            File::open(dir)
                .and_then(|d| d.sync_all())
                .map_err(|e| fail("cannot sync the directory of", e))?;
            let log = LogFile { path, file, len: 0 };
            return Ok((log, Vec::new()));
        }
        let mut bytes = Vec::new();
        file.read_to_end(&mut bytes)
            .map_err(|e| fail("cannot read", e))?;
        let corrupt = |why: String| {
            format!(
                "{} is damaged ({why}); refusing to start, because a node that forgets \
                 entries it acknowledged could lose a committed one. Restore it, or delete \
                 the data directory to make this node new (only safe if the cluster forgot it)",
                path.display()
            )
        };
        if bytes.len() < HEADER as usize {
            // A crash while the header was being written: nothing was ever
            // appended, so the file starts again.
            if bytes.iter().zip(header.iter()).any(|(a, b)| a != b) {
                return Err(corrupt("it is not a DuckDuckGoose log".into()));
            }
            file.set_len(0)
                .and_then(|()| file.seek(SeekFrom::Start(0)).map(drop))
                .and_then(|()| file.write_all(&header))
                .and_then(|()| file.sync_all())
                .map_err(|e| fail("cannot write", e))?;
            return Ok((LogFile { path, file, len: 0 }, Vec::new()));
        }
        if bytes[..8] != header[..8] {
            return Err(corrupt(
                "it is not a DuckDuckGoose log of this format".into(),
            ));
        }
        if bytes[8..HEADER as usize] != header[8..] {
            let cluster_on_disk = u64::from_le_bytes(bytes[8..16].try_into().expect("8 bytes"));
            let node_on_disk = u32::from_le_bytes(bytes[16..20].try_into().expect("4 bytes"));
            return Err(corrupt(format!(
                "it belongs to {} of cluster {cluster_on_disk}, not {} of cluster {cluster}",
                node_name(node_on_disk),
                node_name(node)
            )));
        }
        let body = &bytes[HEADER as usize..];
        let records = body.len() / RECORD as usize;
        let mut entries = Vec::with_capacity(records);
        for (i, record) in body.chunks_exact(RECORD as usize).enumerate() {
            let index = i as Index + 1;
            match decode(index, record) {
                Some(entry) => entries.push(entry),
                // Only the last record can be torn.
                None if i + 1 == records => break,
                None => return Err(corrupt(format!("entry {index} fails its check"))),
            }
        }
        if entries.len() > LOG_CAP {
            return Err(corrupt(format!(
                "{} entries, more than a log holds ({LOG_CAP})",
                entries.len()
            )));
        }
        let len = entries.len() as Index;
        let mut log = LogFile { path, file, len };
        if body.len() as u64 != len * RECORD {
            // Drop the torn tail, durably, before anything is appended.
            log.truncate(len)?;
            log.sync()?;
        }
        Ok((log, entries))
    }

    /// The file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many entries the file holds.
    pub fn len(&self) -> Index {
        self.len
    }

    /// Whether the file holds no entry.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Makes the file hold `log[..from - 1]` followed by `tail`, where `tail`
    /// is the log from index `from` on: the step that changed the log wrote
    /// or removed nothing below `from` ([`crate::node::Outbox::log_from`]).
    /// Returns once the change is on disk.
    pub fn write_from<'a>(
        &mut self,
        from: Index,
        tail: impl IntoIterator<Item = &'a Entry>,
    ) -> Result<(), String> {
        debug_assert!(from >= 1, "entries are numbered from 1");
        let keep = from.saturating_sub(1).min(self.len);
        if keep < self.len {
            self.truncate(keep)?;
        }
        let mut bytes = Vec::new();
        let mut appended = 0;
        for entry in tail {
            appended += 1;
            bytes.extend_from_slice(&encode(keep + appended, entry));
        }
        let path = &self.path;
        self.file
            .seek(SeekFrom::Start(HEADER + keep * RECORD))
            .and_then(|_| self.file.write_all(&bytes))
            .map_err(|e| format!("cannot append to {}: {e}", path.display()))?;
        self.len = keep + appended;
        self.sync()
    }

    fn truncate(&mut self, len: Index) -> Result<(), String> {
        self.file
            .set_len(HEADER + len * RECORD)
            .map_err(|e| format!("cannot truncate {}: {e}", self.path.display()))?;
        self.len = len;
        Ok(())
    }

    fn sync(&mut self) -> Result<(), String> {
        self.file
            .sync_data()
            .map_err(|e| format!("cannot sync {}: {e}", self.path.display()))
    }
}

fn header(node: NodeId, cluster: u64) -> [u8; HEADER as usize] {
    let mut h = [0u8; HEADER as usize];
    h[..6].copy_from_slice(MAGIC);
    h[7] = FORMAT;
    h[8..16].copy_from_slice(&cluster.to_le_bytes());
    h[16..20].copy_from_slice(&node.to_le_bytes());
    h
}

fn encode(index: Index, entry: &Entry) -> [u8; RECORD as usize] {
    let mut r = [0u8; RECORD as usize];
    r[..8].copy_from_slice(&entry.term.to_le_bytes());
    let (kind, payload) = match entry.kind {
        EntryKind::Noop => (0u8, 0u64),
        EntryKind::Request(k) => (1, k),
        EntryKind::Config(Change::Add(n)) => (2, n as u64),
        EntryKind::Config(Change::Remove(n)) => (3, n as u64),
    };
    r[8] = kind;
    r[9..17].copy_from_slice(&payload.to_le_bytes());
    let check = check(index, &r[..17]);
    r[17..].copy_from_slice(&check.to_le_bytes());
    r
}

fn decode(index: Index, r: &[u8]) -> Option<Entry> {
    let stored = u32::from_le_bytes(r[17..21].try_into().ok()?);
    if stored != check(index, &r[..17]) {
        return None;
    }
    let term = u64::from_le_bytes(r[..8].try_into().ok()?);
    let payload = u64::from_le_bytes(r[9..17].try_into().ok()?);
    let kind = match (r[8], payload) {
        (0, 0) => EntryKind::Noop,
        (1, k) => EntryKind::Request(k),
        (2, n) if n < MAX_SLOTS as u64 => EntryKind::Config(Change::Add(n as NodeId)),
        (3, n) if n < MAX_SLOTS as u64 => EntryKind::Config(Change::Remove(n as NodeId)),
        _ => return None,
    };
    Some(Entry { term, kind })
}

/// FNV-1a (32 bits) over the index and the record.
fn check(index: Index, bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in index.to_le_bytes().iter().chain(bytes) {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("ddg-log-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        dir
    }

    fn entries(terms: &[u64]) -> Vec<Entry> {
        terms
            .iter()
            .enumerate()
            .map(|(i, &term)| Entry {
                term,
                kind: if i == 0 {
                    EntryKind::Noop
                } else {
                    EntryKind::Request(i as u64)
                },
            })
            .collect()
    }

    /// §5.3: appends, then a conflicting suffix replaced from its first
    /// index; a reopened file holds exactly the log.
    #[test]
    fn appends_and_a_replaced_suffix_survive_a_reopen() {
        let dir = temp_dir("roundtrip");
        let (mut f, got) = LogFile::open(&dir, 2, 7).unwrap();
        assert!(got.is_empty() && f.is_empty());
        let log = entries(&[1, 1, 2, 2, 2]);
        f.write_from(1, &log[..3]).unwrap();
        f.write_from(4, &log[3..]).unwrap();
        assert_eq!(LogFile::open(&dir, 2, 7).unwrap().1, log);
        // A new goose of term 3 overwrites entries 4 and 5 with one entry.
        let mut replaced = log[..3].to_vec();
        replaced.push(Entry {
            term: 3,
            kind: EntryKind::Noop,
        });
        f.write_from(4, &replaced[3..]).unwrap();
        assert_eq!(f.len(), 4);
        let (f2, got) = LogFile::open(&dir, 2, 7).unwrap();
        assert_eq!(got, replaced);
        assert_eq!(
            fs::metadata(f2.path()).unwrap().len(),
            HEADER + 4 * RECORD,
            "truncated, not padded"
        );
        // Removing a suffix with nothing after it.
        let (mut f3, _) = LogFile::open(&dir, 2, 7).unwrap();
        f3.write_from(2, &[]).unwrap();
        assert_eq!(LogFile::open(&dir, 2, 7).unwrap().1, replaced[..1]);
        fs::remove_dir_all(&dir).unwrap();
    }

    /// A crash in the middle of an append leaves a short or garbled last
    /// record: it was never synced, so it is dropped, durably.
    #[test]
    fn a_torn_last_record_is_dropped() {
        let dir = temp_dir("torn");
        let (mut f, _) = LogFile::open(&dir, 0, 1).unwrap();
        let log = entries(&[1, 1, 1]);
        f.write_from(1, &log).unwrap();
        let path = f.path().to_path_buf();
        drop(f);
        let full = fs::read(&path).unwrap();
        // Short: half of record 3.
        fs::write(&path, &full[..full.len() - 10]).unwrap();
        assert_eq!(LogFile::open(&dir, 0, 1).unwrap().1, log[..2]);
        assert_eq!(fs::metadata(&path).unwrap().len(), HEADER + 2 * RECORD);
        // Garbled: record 3 complete in length but not in content.
        let mut garbled = full.clone();
        let n = garbled.len();
        garbled[n - 1] ^= 0xff;
        fs::write(&path, &garbled).unwrap();
        assert_eq!(LogFile::open(&dir, 0, 1).unwrap().1, log[..2]);
        // A header cut short by a crash at creation is a fresh log.
        fs::write(&path, &full[..5]).unwrap();
        assert!(LogFile::open(&dir, 0, 1).unwrap().1.is_empty());
        fs::remove_dir_all(&dir).unwrap();
    }

    /// Damage before the last record, a moved record, another node's or
    /// cluster's file, or another file altogether: the node refuses to start.
    #[test]
    fn a_damaged_or_foreign_log_refuses_to_start() {
        let dir = temp_dir("damaged");
        let (mut f, _) = LogFile::open(&dir, 0, 1).unwrap();
        f.write_from(1, &entries(&[1, 2, 3])).unwrap();
        let path = f.path().to_path_buf();
        drop(f);
        let full = fs::read(&path).unwrap();
        let refused = |bytes: &[u8], why: &str| {
            fs::write(&path, bytes).unwrap();
            let err = LogFile::open(&dir, 0, 1).unwrap_err();
            assert!(err.contains(why) && err.contains("refusing"), "{err}");
        };
        let mut damaged = full.clone();
        damaged[HEADER as usize + 3] ^= 1;
        refused(&damaged, "entry 1 fails its check");
        // Records 1 and 2 swapped: each fails the check of its new index.
        let mut swapped = full.clone();
        let (a, b) = (HEADER as usize, (HEADER + RECORD) as usize);
        swapped[a..b].copy_from_slice(&full[b..b + RECORD as usize]);
        swapped[b..b + RECORD as usize].copy_from_slice(&full[a..b]);
        refused(&swapped, "entry 1 fails its check");
        refused(
            b"{\"format\":1} and some more bytes",
            "not a DuckDuckGoose log",
        );
        refused(b"json", "not a DuckDuckGoose log");
        fs::write(&path, &full).unwrap();
        let err = LogFile::open(&dir, 1, 1).unwrap_err();
        assert!(err.contains("belongs to n1 of cluster 1, not n2"), "{err}");
        let err = LogFile::open(&dir, 0, 9).unwrap_err();
        assert!(err.contains("not n1 of cluster 9"), "{err}");
        fs::remove_dir_all(&dir).unwrap();
    }
}
