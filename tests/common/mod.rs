//! Helpers shared by the integration tests that run real processes.

use std::path::{Path, PathBuf};

/// A fresh directory under the system's temp dir for one test, removed when
/// the test ends, passed or failed (on a failure too, so that runs leave no
/// litter; set `DDG_KEEP_SCRATCH=1` to keep it for a post-mortem).
pub struct Scratch(PathBuf);

impl Scratch {
    /// `ddg-<name>-<pid>` under the temp dir, emptied if it existed.
    pub fn new(name: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("ddg-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("create a scratch dir");
        Scratch(dir)
    }

    /// Where it is.
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        if std::env::var_os("DDG_KEEP_SCRATCH").is_some() {
            eprintln!("kept {}", self.0.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}
