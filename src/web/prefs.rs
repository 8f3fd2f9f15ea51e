//! The page's preferences and screen modes: projector (large text and
//! birds), dark, speed and vocabulary persist across reloads in
//! `localStorage`; presenter mode (the canvas fills the window, for the
//! lecture hall) and embed mode (for an iframe in slides) are chosen per
//! visit. A first visit (nothing stored yet) shows the way to the lessons.
//!
//! Storage can be missing or refuse writes (private windows, sandboxed
//! iframes): then nothing persists and nothing breaks.

use wasm_bindgen::prelude::*;
use web_sys::Storage;

use super::App;
use crate::view::controls;
use crate::view::words::Vocabulary;

const PROJECTOR: &str = "ddg.projector";
const DARK: &str = "ddg.dark";
const SPEED: &str = "ddg.speed";
const WORDS: &str = "ddg.words";
const VISITED: &str = "ddg.visited";

fn storage() -> Option<Storage> {
    web_sys::window()?.local_storage().ok().flatten()
}

fn get(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn put(key: &str, value: &str) {
    if let Some(s) = storage() {
        let _ = s.set_item(key, value);
    }
}

#[wasm_bindgen]
impl App {
    /// Whether presenter mode is on.
    pub fn presenting(&self) -> bool {
        self.presenter
    }
}

impl App {
    /// Applies what an earlier visit stored, and notes a first visit.
    pub(super) fn load_prefs(&mut self) {
        // The welcome shows once: a returning visitor goes straight in.
        self.first_visit = get(VISITED).is_none() && !self.embed;
        if self.first_visit {
            put(VISITED, "1");
        }
        if let Some(v) = get(PROJECTOR) {
            self.large = v == "1";
        }
        if let Some(v) = get(DARK) {
            self.dark = v == "1";
        }
        // The speed is stored as the slider's position, 0..=1000: an integer,
        // so that the page carries no float formatting or parsing code.
        if let Some(position) = get(SPEED).and_then(|v| v.parse::<u32>().ok()) {
            self.set_speed(controls::speed_at(f64::from(position.min(1000)) / 1000.0));
        }
        if let Some(v) = get(WORDS) {
            self.set_words(Vocabulary::from_name(&v));
        }
    }

    /// Stores the preferences that persist.
    pub(super) fn save_prefs(&self) {
        put(PROJECTOR, if self.large { "1" } else { "0" });
        put(DARK, if self.dark { "1" } else { "0" });
        let position = (controls::slider_at(self.speed) * 1000.0).round() as u32;
        put(SPEED, &position.to_string());
        put(WORDS, self.words.name());
        put(VISITED, "1");
    }

    /// The first-visit welcome has done its job (the person chose a lesson,
    /// or dismissed it): returning visits go straight to the page.
    pub(super) fn welcomed(&mut self) {
        self.first_visit = false;
        put(VISITED, "1");
    }

    /// Switches the vocabulary everywhere it shows.
    pub(super) fn set_words(&mut self, words: Vocabulary) {
        if self.words != words {
            self.words = words;
            self.dom.words = words;
            // The event log is rebuilt in the new words.
            self.log_shown = None;
        }
    }

    /// The factor by which the canvas's text grows: projector and presenter
    /// modes are read from the back of a room.
    pub(super) fn text_scale(&self) -> f64 {
        match (self.large, self.presenter || self.embed) {
            (true, _) => 1.45,
            (false, true) => 1.2,
            (false, false) => 1.0,
        }
    }

    /// The factor by which the birds grow (projector mode most, presenter
    /// and embed modes some), where neighbours leave room.
    pub(super) fn bird_scale(&self) -> f64 {
        match (self.large, self.presenter || self.embed) {
            (true, _) => 1.6,
            (false, true) => 1.3,
            (false, false) => 1.0,
        }
    }
}
