//! Colours for the canvas, light and dark. Term colours come from the
//! Okabe–Ito palette, which stays distinct for the common forms of colour
//! blindness; nothing on the canvas is told apart by colour alone (shapes and
//! labels carry the meaning too).

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
    /// Dead birds.
    pub dead: &'static str,
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
    dead_wing: "#4d525a",
    gold: "#f0b429",
    granted: "#2bc48f",
    denied: "#ff7a2f",
    pending: "#7d8591",
    select: "#56b4e9",
    bubble: "#2c333d",
};

/// Okabe–Ito colours for terms (yellow left out: the ducks are yellow).
const TERMS: [&str; 7] = [
    "#0072b2", "#e69f00", "#009e73", "#cc79a7", "#56b4e9", "#d55e00", "#7f6bb0",
];

/// The colour of a term; term 0 (no election yet) is grey.
pub fn term_colour(term: u64) -> &'static str {
    if term == 0 {
        "#9aa0a6"
    } else {
        TERMS[((term - 1) % TERMS.len() as u64) as usize]
    }
}
