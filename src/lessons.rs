//! Classroom lessons: scenarios with captions (`say` lines), kept as data in
//! `www/lessons/*.ddg` and embedded at build time (see `build.rs`).
//!
//! A lesson file starts with a `# title: …` comment, then is an ordinary
//! scenario: `ddg run` runs it, and its `expect` lines make it a golden test.
//! The page shows its captions one at a time, with Back and Next.

include!(concat!(env!("OUT_DIR"), "/lessons.rs"));

/// One lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lesson {
    /// The file stem, like `01-first-election`: its id in links.
    pub id: &'static str,
    /// The title from its `# title:` line (or the id).
    pub title: &'static str,
    /// The scenario.
    pub text: &'static str,
}

/// Every lesson, in order.
pub fn all() -> Vec<Lesson> {
    LESSONS
        .iter()
        .map(|&(id, text)| Lesson {
            id,
            title: text
                .lines()
                .find_map(|l| l.strip_prefix("# title:"))
                .map_or(id, str::trim),
            text,
        })
        .collect()
}

/// The lesson with this id.
pub fn find(id: &str) -> Option<Lesson> {
    all().into_iter().find(|l| l.id == id)
}
