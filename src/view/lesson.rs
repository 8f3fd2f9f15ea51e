//! The lesson player: which caption stands for the moment on view, where
//! Next, Back and Play go, and what the clicker keys mean inside a lesson.
//!
//! A lesson's captions each stand at a moment of its run (see
//! [`crate::lessons`]). The page never remembers "the current step": it
//! derives it from the moment on view, every frame. So every way of moving
//! in time (arrows, Play, Home/End, the timeline, markers, `ddg.seek`) keeps
//! the caption in agreement with the canvas: the caption shown is the step
//! whose moment is the latest at or before the moment shown, and between two
//! steps the page says "after step k".

use crate::options::Time;

/// Where the moment on view stands among a lesson's step moments.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Place {
    /// Exactly at step `k`'s moment (0-based).
    At(usize),
    /// Past step `k`'s moment, before the next step's (or past the last).
    After(usize),
}

impl Place {
    /// The step whose caption is shown (0-based).
    pub fn step(self) -> usize {
        match self {
            Place::At(k) | Place::After(k) => k,
        }
    }

    /// "step 3 of 8" or "after step 3 of 8".
    pub fn label(self, total: usize) -> String {
        match self {
            Place::At(k) => format!("step {} of {total}", k + 1),
            Place::After(k) => format!("after step {} of {total}", k + 1),
        }
    }
}

/// Where `now` stands among the step `moments` (sorted, the first at 0).
/// Before the first moment (which a lesson never has) counts as step 1.
pub fn place(moments: &[Time], now: Time) -> Place {
    let k = moments.partition_point(|&t| t <= now);
    match k.checked_sub(1) {
        Some(k) if moments[k] == now => Place::At(k),
        Some(k) => Place::After(k),
        None => Place::After(0),
    }
}

/// The next step after `now`, and its moment: where Next and Play go.
pub fn next(moments: &[Time], now: Time) -> Option<(usize, Time)> {
    let k = moments.partition_point(|&t| t <= now);
    moments.get(k).map(|&t| (k, t))
}

/// Where Back goes from `now`: the previous step when exactly at a step,
/// or the step on screen when past its moment (its caption's own frame).
pub fn back(moments: &[Time], now: Time) -> Option<usize> {
    match place(moments, now) {
        Place::At(0) => None,
        Place::At(k) => Some(k - 1),
        Place::After(k) => Some(k),
    }
}

/// Whether a lesson shows each bird's log strip: a `# show: logs` line
/// among the comments that open its file. The election lessons leave it
/// off; the log lessons turn it on (issue 9 §4).
pub fn shows_logs(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .take_while(|l| l.starts_with('#') || l.is_empty())
        .any(|l| l.trim_start_matches('#').trim() == "show: logs")
}

/// What a key means inside a lesson.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Key {
    /// Next step (PageDown, →: what a presenter's clicker sends; and `n`).
    Next,
    /// Previous step (PageUp, ←).
    Back,
    /// Nothing: `.` and `b`, which remotes send to blank the screen, must
    /// not quietly step events under a lesson's caption.
    Ignore,
}

/// The meaning of `key` inside a lesson, or `None` when it keeps its usual
/// meaning (Space, Home, End, … still work: the caption follows the moment).
pub fn key(key: &str) -> Option<Key> {
    match key {
        "PageDown" | "ArrowRight" | "n" => Some(Key::Next),
        "PageUp" | "ArrowLeft" => Some(Key::Back),
        "." | "," | "b" | "B" => Some(Key::Ignore),
        _ => None,
    }
}

/// A caption's first sentence, at most `max` characters (for the list of
/// steps a presenter jumps from).
pub fn summary(caption: &str, max: usize) -> String {
    let end = caption
        .char_indices()
        .find(|&(i, c)| {
            matches!(c, '.' | '!' | '?')
                && caption[i + c.len_utf8()..]
                    .chars()
                    .next()
                    .is_none_or(char::is_whitespace)
        })
        .map_or(caption.len(), |(i, c)| i + c.len_utf8());
    let first = caption[..end].trim();
    if first.chars().count() <= max {
        return first.to_string();
    }
    let cut: String = first.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", cut.trim_end())
}

/// Where a lesson was left when a person acted in it (a kill, a drag, a
/// setting): enough to bring it back exactly, with "Back to the lesson".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bookmark {
    /// The lesson's id.
    pub id: &'static str,
    /// The moment on view when it was left.
    pub t: Time,
    /// The step shown then (0-based).
    pub step: usize,
}

impl Bookmark {
    /// The label of the button that returns: "Back to the lesson, step 3".
    pub fn label(&self) -> String {
        format!("Back to the lesson, step {}", self.step + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOMENTS: [Time; 4] = [0, 170_633, 184_000, 194_550];

    #[test]
    fn the_caption_is_the_latest_step_at_or_before_the_moment() {
        assert_eq!(place(&MOMENTS, 0), Place::At(0));
        assert_eq!(place(&MOMENTS, 1), Place::After(0));
        assert_eq!(place(&MOMENTS, 170_633), Place::At(1));
        assert_eq!(place(&MOMENTS, 190_000), Place::After(2));
        assert_eq!(place(&MOMENTS, 208_660), Place::After(3));
        assert_eq!(place(&[5, 9], 1), Place::After(0));
        assert_eq!(Place::At(2).label(8), "step 3 of 8");
        assert_eq!(Place::After(2).label(8), "after step 3 of 8");
    }

    #[test]
    fn every_moment_agrees_with_its_caption() {
        // Whatever the moment, the step shown stands at or before it, and
        // the next step (if any) stands after it.
        for now in (0..220_000).step_by(997) {
            let k = place(&MOMENTS, now).step();
            assert!(MOMENTS[k] <= now, "{now}");
            if let Some(&later) = MOMENTS.get(k + 1) {
                assert!(later > now, "{now}");
            }
        }
    }

    #[test]
    fn next_goes_to_the_first_step_after_the_moment() {
        assert_eq!(next(&MOMENTS, 0), Some((1, 170_633)));
        assert_eq!(next(&MOMENTS, 180_000), Some((2, 184_000)));
        assert_eq!(next(&MOMENTS, 184_000), Some((3, 194_550)));
        assert_eq!(next(&MOMENTS, 194_550), None);
        assert_eq!(next(&MOMENTS, 900_000), None);
    }

    #[test]
    fn back_returns_to_the_step_on_screen_first_when_past_it() {
        assert_eq!(back(&MOMENTS, 0), None);
        assert_eq!(back(&MOMENTS, 184_000), Some(1));
        assert_eq!(back(&MOMENTS, 190_000), Some(2));
        assert_eq!(back(&MOMENTS, 900_000), Some(3));
    }

    #[test]
    fn clicker_keys_mean_next_and_back_and_blank_keys_do_nothing() {
        assert_eq!(key("PageDown"), Some(Key::Next));
        assert_eq!(key("ArrowRight"), Some(Key::Next));
        assert_eq!(key("PageUp"), Some(Key::Back));
        assert_eq!(key("ArrowLeft"), Some(Key::Back));
        assert_eq!(key("."), Some(Key::Ignore));
        assert_eq!(key("b"), Some(Key::Ignore));
        assert_eq!(key(" "), None);
        assert_eq!(key("Home"), None);
    }

    #[test]
    fn summaries_keep_the_first_sentence() {
        assert_eq!(
            summary("n2's ring ran out first. It becomes a candidate.", 60),
            "n2's ring ran out first."
        );
        assert_eq!(summary("Term 1.5 is odd", 60), "Term 1.5 is odd");
        assert_eq!(summary("abcdefghij", 5), "abcd…");
        assert_eq!(summary("To sum up: yes. More", 60), "To sum up: yes.");
        assert_eq!(summary("", 5), "");
    }

    #[test]
    fn a_lesson_turns_the_log_strip_on_only_in_its_opening_comments() {
        assert!(shows_logs(
            "# title: Logs\n#\n# show: logs\n\ncluster nodes=5\n"
        ));
        assert!(!shows_logs("# title: Votes\ncluster nodes=5\n"));
        assert!(!shows_logs("# title: X\ncluster nodes=5\n# show: logs\n"));
        assert!(!shows_logs("# show: logs please\n"));
    }

    #[test]
    fn a_bookmark_names_its_step_from_one() {
        let b = Bookmark {
            id: "01-first-election",
            t: 10,
            step: 2,
        };
        assert_eq!(b.label(), "Back to the lesson, step 3");
    }
}
