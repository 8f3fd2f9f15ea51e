//! Every character the page shows is one that default fonts draw: no empty
//! boxes on a lecture-hall laptop (issue 7 §5: the banner's circled "i"
//! rendered as a box on Linux Chromium; the page now draws that one itself).
//!
//! The page's text lives in `index.html`, `www/` (styles, script, lessons)
//! and the strings of the Rust that builds panels, captions and the log.
//! Every character outside ASCII must be on [`DRAWN_EVERYWHERE`], a list of
//! characters that DejaVu Sans (the default sans-serif font of Debian and
//! most Linux desktops), Segoe UI / Segoe UI Symbol (Windows) and Apple's
//! system fonts all carry. Where `fc-list` exists, the test also asks
//! fontconfig that an installed font has each one.

use std::collections::BTreeSet;
use std::fs;
use std::path::Path;
use std::process::Command;

/// Characters beyond ASCII that default fonts on Linux, Windows and macOS
/// all draw.
const DRAWN_EVERYWHERE: &str = "§°µ·×ïüéπ–—‘’“”…←→⇤⇥−≤≥≪▶▸◀◂●♥⚠✂✉✔✖";

fn page_files(root: &Path) -> Vec<std::path::PathBuf> {
    let mut files = vec![root.join("index.html")];
    for dir in [
        "www",
        "www/lessons",
        "src/web",
        "src/view",
        "src/sim",
        "src/script",
    ] {
        for entry in fs::read_dir(root.join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.is_file() {
                files.push(path);
            }
        }
    }
    files
}

/// The text of a file the page shows: all of it, except in Rust, where
/// comments are not shown.
fn shown_text(path: &Path) -> String {
    let text = fs::read_to_string(path).unwrap();
    if path.extension().is_some_and(|e| e == "rs") {
        text.lines()
            .filter(|l| !l.trim_start().starts_with("//"))
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text
    }
}

#[test]
fn the_page_uses_only_glyphs_every_default_font_has() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let allowed: BTreeSet<char> = DRAWN_EVERYWHERE.chars().collect();
    let mut seen = BTreeSet::new();
    for path in page_files(root) {
        for (n, line) in shown_text(&path).lines().enumerate() {
            for c in line.chars().filter(|c| !c.is_ascii()) {
                assert!(
                    allowed.contains(&c),
                    "{}:{}: {c:?} (U+{:04X}) may render as an empty box; draw it, or use a glyph from DRAWN_EVERYWHERE",
                    path.display(),
                    n + 1,
                    u32::from(c)
                );
                seen.insert(c);
            }
        }
    }
    assert!(!seen.contains(&'ⓘ'));
    assert!(seen.contains(&'✔'), "the scan reads the page's text");
}

#[test]
fn an_installed_font_has_every_glyph_on_the_list() {
    if Command::new("fc-list").arg("--version").output().is_err() {
        eprintln!("fc-list is not installed: only the list itself is checked");
        return;
    }
    for c in DRAWN_EVERYWHERE.chars() {
        let out = Command::new("fc-list")
            .arg(format!(":charset={:x}", u32::from(c)))
            .arg("family")
            .output()
            .unwrap();
        let families = String::from_utf8_lossy(&out.stdout);
        assert!(
            !families.trim().is_empty(),
            "no installed font draws {c:?} (U+{:04X})",
            u32::from(c)
        );
    }
    let out = Command::new("fc-list")
        .arg(":charset=24d8")
        .arg("family")
        .output()
        .unwrap();
    eprintln!(
        "fonts with the circled i (U+24D8), which the page no longer uses: {:?}",
        String::from_utf8_lossy(&out.stdout).trim()
    );
}
