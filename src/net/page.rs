//! The page, served by `ddg cluster up` next to its controls, so that Live
//! mode works at `http://127.0.0.1:8000/#live` with nothing else running.
//!
//! Only the page's own files are served: `index.html`, and what lies under
//! `www/` and `pkg/` (the wasm build). A path that climbs out (`..`) or names
//! anything else is a 404. The page and `/cluster/…` share an origin, and
//! the nodes' event streams are relayed through it ([`relay_events`]), so
//! the page's Content-Security-Policy needs nothing beyond `'self'`;
//! [`same_origin_writes`] lets only this page (or a client with no `Origin`,
//! like `curl`) act.

use std::net::SocketAddr;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use axum::body::{Body, Bytes};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use axum::extract::Request;
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::message::Kind;
use crate::script::parse::parse_node;
use crate::view::live::{compact, Line, Said, ROLES};

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

/// `GET /cluster/events?node=nK`: node `nK`'s `/events?messages=1`, relayed
/// in the compact form of [`compact`], so that the page reads every stream
/// from its own origin (its Content-Security-Policy needs nothing but
/// `'self'`) and its parser stays small. A node that
/// does not answer gets a stream that ends at once, asking the browser to
/// try again in a second: an `EventSource` gives up for good on an error
/// status, and a killed node may be revived.
pub async fn relay_events(nodes: Arc<Vec<SocketAddr>>, query: Option<String>) -> Response {
    let params = match super::http::query_params(query) {
        Ok(p) => p,
        Err(why) => return super::http::error(StatusCode::BAD_REQUEST, why),
    };
    let node = params
        .get("node")
        .ok_or_else(|| "this route needs ?node=nK".to_string())
        .and_then(|n| parse_node(n, nodes.len() as u32));
    let addr = match node {
        Ok(i) => nodes[i as usize],
        Err(why) => return super::http::error(StatusCode::BAD_REQUEST, why),
    };
    let size = nodes.len() as u32;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<Bytes, std::io::Error>>(64);
    tokio::spawn(async move {
        let _ = tx.send(Ok(Bytes::from_static(b"retry: 1000\n\n"))).await;
        let Ok(mut tcp) = TcpStream::connect(addr).await else {
            return;
        };
        // HTTP/1.0: the node's answer is then delimited by closing, with no
        // chunked encoding to undo.
        let ask = format!("GET /events?messages=1 HTTP/1.0\r\nHost: {addr}\r\n\r\n");
        if tcp.write_all(ask.as_bytes()).await.is_err() {
            return;
        }
        let mut lines = BufReader::new(tcp).lines();
        match lines.next_line().await {
            Ok(Some(status)) if status.split(' ').nth(1) == Some("200") => {}
            _ => return,
        }
        let mut in_body = false;
        while let Ok(Some(line)) = lines.next_line().await {
            if !in_body {
                in_body = line.is_empty();
                continue;
            }
            let Some(json) = line.strip_prefix("data: ") else {
                continue;
            };
            let Ok(line) = line_from_json(json, size) else {
                continue;
            };
            let out = format!("data: {}\n\n", compact(&line));
            if tx.send(Ok(Bytes::from(out))).await.is_err() {
                return; // The page went away.
            }
        }
    });
    (
        [
            (header::CONTENT_TYPE, "text/event-stream"),
            (header::CACHE_CONTROL, "no-cache"),
        ],
        Body::from_stream(tokio_stream::wrappers::ReceiverStream::new(rx)),
    )
        .into_response()
}

/// Reads one line of a node's event stream (its JSON, see `driver.rs`) in a
/// cluster of `size` nodes.
pub fn line_from_json(json: &str, size: u32) -> Result<Line, String> {
    let v: serde_json::Value = serde_json::from_str(json).map_err(|e| e.to_string())?;
    let text = |k: &str| v[k].as_str().ok_or_else(|| format!("no `{k}`"));
    let number = |k: &str| v[k].as_u64().ok_or_else(|| format!("no number `{k}`"));
    let node = |k: &str| parse_node(text(k)?, size);
    let opt = |k: &str| match v[k].as_str() {
        Some(n) => parse_node(n, size).map(Some),
        None => Ok(None),
    };
    let kind = text("type")?;
    let (node, said) = match kind {
        "send" | "recv" => {
            let name = text("kind")?;
            let send = kind == "send";
            let (from, to) = (node("from")?, node("to")?);
            let said = Said::Message {
                from,
                to,
                kind: Kind::ALL
                    .into_iter()
                    .find(|k| k.name() == name)
                    .ok_or_else(|| format!("no message kind `{name}`"))?,
                term: number("term")?,
                send,
                dropped: v["dropped"].is_string(),
            };
            (if send { from } else { to }, said)
        }
        "hello" | "state" | "lease" | "note" => {
            let role = text("role")?;
            let said = Said::State {
                role: *ROLES
                    .iter()
                    .find(|r| r.name() == role)
                    .ok_or_else(|| format!("no role `{role}`"))?,
                term: number("term")?,
                voted_for: opt("voted_for")?,
                leader: opt("leader")?,
                note: (kind == "note")
                    .then(|| text("text").map(str::to_string))
                    .transpose()?,
            };
            (node("node")?, said)
        }
        other => return Err(format!("no line type `{other}`")),
    };
    Ok(Line {
        node,
        mono_us: number("mono_us")?,
        said,
    })
}

/// Refuses a write whose `Origin` is another site's: only the page this
/// server serves (same origin) and clients without an `Origin` may act.
pub async fn same_origin_writes(req: Request, next: Next) -> Response {
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let origin = req.headers().get(header::ORIGIN);
        let host = req
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok());
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
        assert_eq!(
            file_for(root, "/www/main.js"),
            Some(root.join("www/main.js"))
        );
        assert_eq!(file_for(root, "/www/../Cargo.toml"), None);
        assert_eq!(file_for(root, "/../etc/passwd"), None);
        assert_eq!(file_for(root, "/Cargo.toml"), None);
        assert_eq!(file_for(root, "/src/lib.rs"), None);
        assert_eq!(content_type(Path::new("a/b.wasm")), "application/wasm");
        assert_eq!(
            content_type(Path::new("index.html")),
            "text/html; charset=utf-8"
        );
    }
}
