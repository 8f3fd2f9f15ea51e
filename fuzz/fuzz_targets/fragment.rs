//! The share-link decoder (`src/view/share.rs`): any fragment is a run, a
//! lesson, nothing or a reason, never a panic; and any text survives the
//! round trip through a fragment (trailing white space aside).
#![no_main]

use duckduckgoose::view::share::{decode_script, encode_script, parse_fragment, wants_embed};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(why) = parse_fragment(&text) {
        assert!(!why.is_empty(), "an error must say why");
    }
    let _ = wants_embed(&text, &text);
    let _ = decode_script(&text);
    let encoded = encode_script(&text);
    assert_eq!(
        decode_script(&encoded).as_deref(),
        Ok(text.trim_end()),
        "the fragment {encoded:?} does not give the text back"
    );
});
