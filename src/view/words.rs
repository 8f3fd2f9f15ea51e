//! The page's two vocabularies: the birds (goose, duck) and the paper's words
//! (leader, follower; Raft §5.1). Students read the paper with the page open,
//! so a switch shows the paper's words on the canvas, in the node table, in
//! the event log and in the captions. Candidates are candidates in both.
//!
//! The page's text is written in bird words; [`paper`] rewrites a finished
//! sentence, word by word, keeping capitals and plurals. A caption that
//! already says both ("the goose (the leader)") reads "the leader (the
//! leader)" in paper words, which is still true.

use std::borrow::Cow;

/// Which words the page uses for the roles.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Vocabulary {
    /// Goose and duck (the default).
    #[default]
    Birds,
    /// Leader and follower, as in the Raft paper.
    Paper,
}

/// Bird words and their paper equivalents, lowercase.
const WORDS: [(&str, &str); 4] = [
    ("goose", "leader"),
    ("geese", "leaders"),
    ("duck", "follower"),
    ("ducks", "followers"),
];

impl Vocabulary {
    /// `text` in this vocabulary (it is written in bird words).
    pub fn say(self, text: &str) -> Cow<'_, str> {
        match self {
            Vocabulary::Birds => Cow::Borrowed(text),
            Vocabulary::Paper => Cow::Owned(paper(text)),
        }
    }

    /// The stored name of this choice (for the page's preferences).
    pub fn name(self) -> &'static str {
        match self {
            Vocabulary::Birds => "birds",
            Vocabulary::Paper => "paper",
        }
    }

    /// The choice a stored name stands for; birds for anything unknown.
    pub fn from_name(name: &str) -> Vocabulary {
        if name == "paper" {
            Vocabulary::Paper
        } else {
            Vocabulary::Birds
        }
    }
}

/// Rewrites the bird words in `text` as the paper's: goose → leader, geese →
/// leaders, duck → follower, ducks → followers, matching whole words only
/// and keeping a leading capital or an all-capitals word ("GOOSE" →
/// "LEADER"). Other words ("DuckDuckGoose", "goosebumps") stay. Words are
/// runs of ASCII letters and digits.
pub fn paper(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    let mut word = String::new();
    for c in text.chars() {
        if c.is_ascii_alphanumeric() {
            word.push(c);
        } else {
            out.push_str(&swap(&word));
            word.clear();
            out.push(c);
        }
    }
    out.push_str(&swap(&word));
    out
}

fn swap(word: &str) -> String {
    // ASCII only: the bird words are ASCII, and Unicode case tables would
    // cost the page kilobytes.
    let Some(&(_, paper)) = WORDS
        .iter()
        .find(|(bird, _)| bird.eq_ignore_ascii_case(word))
    else {
        return word.to_string();
    };
    let first_upper = word.bytes().next().is_some_and(|b| b.is_ascii_uppercase());
    let all_upper = word.len() > 1 && word.bytes().all(|b| b.is_ascii_uppercase());
    if all_upper {
        paper.to_ascii_uppercase()
    } else if first_upper {
        paper[..1].to_ascii_uppercase() + &paper[1..]
    } else {
        paper.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paper_words_replace_bird_words_keeping_case_and_number() {
        assert_eq!(
            paper("n3 won with 3 votes and is the goose of term 4"),
            "n3 won with 3 votes and is the leader of term 4"
        );
        assert_eq!(paper("Two geese at once!"), "Two leaders at once!");
        assert_eq!(
            paper("Every node starts as a duck; ducks follow."),
            "Every node starts as a follower; followers follow."
        );
        assert_eq!(paper("n2 · GOOSE"), "n2 · LEADER");
        assert_eq!(paper("Goose: n1"), "Leader: n1");
        assert_eq!(paper("candidate"), "candidate");
    }

    #[test]
    fn other_words_and_compounds_stay() {
        assert_eq!(paper("DuckDuckGoose"), "DuckDuckGoose");
        assert_eq!(paper("goosebumps, ducked"), "goosebumps, ducked");
        assert_eq!(paper(""), "");
        assert_eq!(paper("ünïcode goose—duck"), "ünïcode leader—follower");
    }

    #[test]
    fn the_bird_vocabulary_changes_nothing_and_names_round_trip() {
        let text = "the goose and the ducks";
        assert_eq!(Vocabulary::Birds.say(text), text);
        assert_eq!(Vocabulary::Paper.say(text), "the leader and the followers");
        for v in [Vocabulary::Birds, Vocabulary::Paper] {
            assert_eq!(Vocabulary::from_name(v.name()), v);
        }
        assert_eq!(Vocabulary::from_name("nonsense"), Vocabulary::Birds);
    }
}
