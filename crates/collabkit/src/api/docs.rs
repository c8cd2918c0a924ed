//! `/docs`: the API reference, rendered in the browser from `/openapi.json` (no CDN, works
//! offline). Its script and style are files of their own, so that the page runs under the
//! dashboard's strict Content-Security-Policy: no inline script or style, nothing from
//! elsewhere, no framing.

use axum::Router;
use axum::routing::get;

use crate::dashboard::{file, page};

const INDEX: &str = include_str!("docs/index.html");
const SCRIPT: &str = include_str!("docs/docs.js");
const STYLE: &str = include_str!("docs/docs.css");

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/docs", get(|| async { page(INDEX) }))
        .route(
            "/docs/docs.js",
            // Not named by content: revalidated, so a new version is used at once.
            get(|| async { file(SCRIPT, "text/javascript; charset=utf-8", "no-cache") }),
        )
        .route(
            "/docs/docs.css",
            get(|| async { file(STYLE, "text/css; charset=utf-8", "no-cache") }),
        )
}
