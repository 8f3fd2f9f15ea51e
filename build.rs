//! Embeds the classroom lessons (`www/lessons/*.ddg`) into the crate, so that
//! adding a lesson means adding a file: no list to keep in step.
use std::env;
use std::fs;
use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=www/lessons");
    let dir = PathBuf::from(env::var("CARGO_MANIFEST_DIR").unwrap()).join("www/lessons");
    // A missing or unreadable lessons folder is a broken checkout, not "no
    // lessons": fail the build and say so.
    let entries = fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("cannot read the lessons in {}: {e}", dir.display()));
    let mut files: Vec<PathBuf> = entries
        .map(|e| {
            e.unwrap_or_else(|e| panic!("cannot list {}: {e}", dir.display()))
                .path()
        })
        .filter(|p| p.extension().is_some_and(|x| x == "ddg"))
        .collect();
    files.sort();
    let mut code = String::from("/// Every lesson: (file stem, scenario text), in file-name order.\npub const LESSONS: &[(&str, &str)] = &[\n");
    for path in &files {
        println!("cargo:rerun-if-changed={}", path.display());
        let stem = path.file_stem().unwrap().to_string_lossy();
        code.push_str(&format!(
            "    ({stem:?}, include_str!({:?})),\n",
            path.display().to_string()
        ));
    }
    code.push_str("];\n");
    let out = PathBuf::from(env::var("OUT_DIR").unwrap()).join("lessons.rs");
    fs::write(out, code).unwrap();
}
