//! What the page shows and how its controls read, computed without a
//! browser: geometry ([`layout`]), the settings form ([`controls`]) and the
//! Experiment panel's trials and curves ([`experiment`]).
//! Native tests cover all of it; `web/` only paints and wires.

pub mod controls;
pub mod experiment;
pub mod layout;
pub mod share;
pub mod timeline;
