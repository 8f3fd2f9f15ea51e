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

/// Every lesson's id and title, in order: all the page needs to list them.
pub fn index() -> &'static [(&'static str, &'static str)] {
    LESSON_INDEX
}

/// The title of the lesson with this id.
pub fn title(id: &str) -> Option<&'static str> {
    LESSON_INDEX.iter().find(|l| l.0 == id).map(|l| l.1)
}

/// Every lesson, in order.
#[cfg(not(target_arch = "wasm32"))]
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
#[cfg(not(target_arch = "wasm32"))]
pub fn find(id: &str) -> Option<Lesson> {
    all().into_iter().find(|l| l.id == id)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    #[test]
    fn the_index_lists_every_lesson_with_its_title() {
        let all = super::all();
        let index: Vec<(&str, &str)> = all.iter().map(|l| (l.id, l.title)).collect();
        assert_eq!(super::index(), index.as_slice());
        assert!(index.len() >= 7, "{index:?}");
        for (id, title) in index {
            assert_eq!(super::title(id), Some(title));
        }
        assert_eq!(super::title("no-such-lesson"), None);
    }
}
