//! The scenario parser (`src/script`): any text is a parsed script or an error
//! naming a line that exists, never a panic. Every line is also parsed alone
//! at a few cluster sizes, as the page's `window.ddg.exec` does.
#![no_main]

use duckduckgoose::script::parse::parse_command;
use duckduckgoose::script::parse_script;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let lines = text.lines().count().max(1);
    match parse_script(&text) {
        Ok(script) => {
            for (number, _) in &script.commands {
                assert!((1..=lines).contains(number), "line {number} of {lines}");
            }
        }
        Err((number, why)) => {
            assert!(
                (1..=lines + 1).contains(&number),
                "line {number} of {lines}"
            );
            assert!(!why.is_empty(), "an error must say why");
        }
    }
    for line in text.lines().take(32) {
        for size in [1, 5, duckduckgoose::sim::MAX_NODES] {
            if let Err(why) = parse_command(line, size) {
                assert!(!why.is_empty(), "an error must say why: {line:?}");
            }
        }
    }
});
