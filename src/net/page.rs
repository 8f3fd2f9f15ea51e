//! The page, served by `ddg cluster up` next to its controls, so that Live
//! mode works at `http://127.0.0.1:8000/#live` with nothing else running.
//!
//! Only the page's own files are served: `index.html`, and what lies under
//! `www/` and `pkg/` (the wasm build). A path that climbs out (`..`) or names
//! anything else is a 404. Because the page and `/cluster/…` share an
//! origin, the page's Content-Security-Policy (`connect-src 'self'` plus the
//! nodes on loopback) lets it reach the controls, and [`same_origin_writes`]
//! lets only this page (or a client with no `Origin`, like `curl`) act.

use std::path::{Component, Path, PathBuf};

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// Where the page's files are: `given`, else the current directory if it
/// holds `index.html`, else the source tree `ddg` was built from.
pub fn root(given: Option<PathBuf>) -> PathBuf {
    given.unwrap_or_else(|| {
        if Path::new("index.html").is_file() {
            PathBuf::from(".")
        } else {
            PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        }
    })
}

/// The file a request path names under `root`, if it is one of the page's.
pub fn file_for(root: &Path, path: &str) -> Option<PathBuf> {
    let rel = path.trim_start_matches('/');
    let rel = if rel.is_empty() { "index.html" } else { rel };
    let parts = Path::new(rel);
    if !parts
        .components()
        .all(|c| matches!(c, Component::Normal(_)))
    {
        return None;
    }
    let allowed = rel == "index.html" || rel.starts_with("www/") || rel.starts_with("pkg/");
    allowed.then(|| root.join(parts))
}

/// The content type for a file name.
pub fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript",
        "css" => "text/css",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "json" => "application/json",
        _ => "text/plain; charset=utf-8",
    }
}

/// Serves one of the page's files (GET), or a JSON 404.
pub async fn serve(root: PathBuf, path: String) -> Response {
    let Some(file) = file_for(&root, &path) else {
        return super::http::error(
            StatusCode::NOT_FOUND,
            "no such page file or control: see /cluster/status".into(),
        );
    };
    // Small files, read at once: the page weighs under 150 KB gzipped.
    match std::fs::read(&file) {
        Ok(bytes) => (
            [
                (header::CONTENT_TYPE, content_type(&file)),
                (header::CACHE_CONTROL, "no-cache"),
            ],
            bytes,
        )
            .into_response(),
        Err(e) => super::http::error(
            StatusCode::NOT_FOUND,
            format!(
                "{} could not be read ({e}); build the page with wasm-pack, or pass --page DIR",
                file.display()
            ),
        ),
    }
}

/// Refuses a write whose `Origin` is another site's: only the page this
/// server serves (same origin) and clients without an `Origin` may act.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req.headers().get(header::ORIGIN);
        let host = req.headers().get(header::HOST).and_then(|h| h.to_str().ok());
        let ours = |o: &HeaderValue| {
            o.to_str()
                .ok()
                .and_then(|o| o.strip_prefix("http://"))
                .is_some_and(|o| Some(o) == host)
        };
        if origin.is_some_and(|o| !ours(o)) {
            return super::http::error(
                StatusCode::FORBIDDEN,
                "another site's page may not act on this cluster".into(),
            );
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_pages_own_files_are_served() {
        let root = Path::new("/srv/ddg");
        assert_eq!(file_for(root, "/"), Some(root.join("index.html")));
        assert_eq!(
            file_for(root, "/pkg/duckduckgoose_bg.wasm"),
            Some(root.join("pkg/duckduckgoose_bg.wasm"))
        );
        assert_eq!(file_for(root, "/www/main.js"), Some(root.join("www/main.js")));
        assert_eq!(file_for(root, "/www/../Cargo.toml"), None);
        assert_eq!(file_for(root, "/../etc/passwd"), None);
        assert_eq!(file_for(root, "/Cargo.toml"), None);
        assert_eq!(file_for(root, "/src/lib.rs"), None);
        assert_eq!(content_type(Path::new("a/b.wasm")), "application/wasm");
        assert_eq!(content_type(Path::new("index.html")), "text/html; charset=utf-8");
    }
}
