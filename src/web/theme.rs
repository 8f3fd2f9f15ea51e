//! Colours for the canvas, light and dark. Term colours come from
//! [`crate::view::colour`] (Okabe–Ito, kept apart from the role colours, with
//! readable badge numbers); nothing on the canvas is told apart by colour
//! alone (shapes and labels carry the meaning too).

/// One theme's colours, as CSS colour strings.
#[derive(Clone, Debug)]
pub struct Theme {
    /// Canvas background.
    pub background: &'static str,
    /// The disc behind each bird.
    pub plate: &'static str,
    /// The disc behind a dead bird.
    pub plate_dead: &'static str,
    /// Text and outlines.
    pub ink: &'static str,
    /// Secondary text.
    pub ink_soft: &'static str,
    /// The empty part of a timer ring.
    pub track: &'static str,
    /// Partition walls.
    pub wall: &'static str,
    /// Duck body.
    pub duck: &'static str,
    /// Duck wing.
    pub duck_wing: &'static str,
    /// Beaks and feet.
    pub beak: &'static str,
    /// Goose body.
    pub goose: &'static str,
    /// Goose neck and head.
    pub goose_neck: &'static str,
    /// Goose cheek strap.
    pub goose_cheek: &'static str,
    /// Dead birds (and a dead bird's term badge).
    pub dead: &'static str,
    /// The number on a dead bird's term badge (4.5:1 on `dead`).
    pub dead_text: &'static str,
    /// A dead bird's wing, beak and feet.
    pub dead_wing: &'static str,
    /// The goose's crown and heartbeat ring.
    pub gold: &'static str,
    /// Granted votes.
    pub granted: &'static str,
    /// Denied votes.
    pub denied: &'static str,
    /// Votes not yet answered.
    pub pending: &'static str,
    /// The selection ring.
    pub select: &'static str,
    /// Speech bubbles.
    pub bubble: &'static str,
}

/// The light theme.
pub const LIGHT: Theme = Theme {
    background: "#f7f5ef",
    plate: "#ffffff",
    plate_dead: "#eceae4",
    ink: "#1f2328",
    ink_soft: "#5b6270",
    track: "#e1ddd3",
    wall: "#9a5b2c",
    duck: "#f6c744",
    duck_wing: "#dba52a",
    beak: "#ef8a24",
    goose: "#8f7f6c",
    goose_neck: "#1f1f1f",
    goose_cheek: "#ffffff",
    dead: "#a3a8ae",
    dead_text: "#111111",
    dead_wing: "#7c8189",
    gold: "#d79b00",
    granted: "#009e73",
    denied: "#d55e00",
    pending: "#9aa0a6",
    select: "#0072b2",
    bubble: "#ffffff",
};

/// The dark theme.
pub const DARK: Theme = Theme {
    background: "#15181d",
    plate: "#232931",
    plate_dead: "#1b1f25",
    ink: "#e8eaed",
    ink_soft: "#a7afbb",
    track: "#343b46",
    wall: "#d08c52",
    duck: "#f6c744",
    duck_wing: "#d9a32a",
    beak: "#f59a3c",
    goose: "#b2a38f",
    goose_neck: "#0b0b0b",
    goose_cheek: "#f4f4f4",
    dead: "#6b7079",
    dead_text: "#ffffff",
    dead_wing: "#4d525a",
    gold: "#f0b429",
    granted: "#2bc48f",
    denied: "#ff7a2f",
    pending: "#7d8591",
    select: "#56b4e9",
    bubble: "#2c333d",
};

/// The colour of a term (its ring, messages and badge); term 0 (no election
/// yet) is grey. The palette and its contrast proofs live in
/// [`crate::view::colour`].
pub fn term_colour(term: u64) -> &'static str {
    crate::view::colour::term_badge(term).fill
}
