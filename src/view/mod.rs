//! What the page shows and how its controls read, computed without a
//! browser: geometry ([`layout`]), the settings form ([`controls`]), colours
//! and their contrast ([`colour`]), the two vocabularies ([`words`]) and the
//! lesson player ([`lesson`]), the browser's trigonometry ([`math`]), speech bubbles placed clear of what
//! they could hide ([`labels`]), and the reasons shown where a control cannot
//! act or a vote was refused ([`why`]), and the Experiment panel's trials and
//! curves ([`experiment`]), and each bird's log: the inspector's summary and
//! the canvas's log strip ([`logs`]).
//! Native tests cover all of it; `web/` only paints and wires.

pub mod colour;
pub mod controls;
pub mod experiment;
pub mod labels;
pub mod layout;
pub mod lesson;
pub mod live;
pub mod logs;
pub mod math;
pub mod members;
pub mod share;
pub mod timeline;
pub mod why;
pub mod words;
