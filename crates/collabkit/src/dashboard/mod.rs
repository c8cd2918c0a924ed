//! `/dashboard`: the web dashboard, built from `dashboard/` (Preact, bundled by esbuild) and
//! embedded in the binary — no separate web server, no CDN, works offline. The page talks to
//! the public HTTP API only, with the account's credential, like any other client.

use axum::Router;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::get;

const INDEX: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");

/// Everything the page loads comes from this server, and no inline script or style runs;
/// nothing may frame it (the API key is typed into it). `/docs` has the same policy.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; \
                   img-src 'self' data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

pub fn router<S: Clone + Send + Sync + 'static>() -> Router<S> {
    Router::new()
        .route("/dashboard", get(index))
        .route(
            "/dashboard/",
            get(|| async { Redirect::permanent("/dashboard") }),
        )
        .route(
            "/dashboard/assets/app.js",
            get(|| async { asset(APP_JS, "text/javascript; charset=utf-8") }),
        )
        .route(
            "/dashboard/assets/app.css",
            get(|| async { asset(APP_CSS, "text/css; charset=utf-8") }),
        )
}

async fn index() -> Response {
    page(INDEX)
}

/// An HTML page of the server's own (the dashboard, the API reference at `/docs`) with its
/// security headers: the policy above, no sniffing, no referrer.
pub(crate) fn page(html: &'static str) -> Response {
    let mut res = (
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8"),
            // Revalidated on every visit (the dashboard's assets, named by content hash, need
            // not be).
            (header::CACHE_CONTROL, "no-cache"),
        ],
        html,
    )
        .into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    res
}

/// A script or style sheet one of those pages loads.
pub(crate) fn file(
    body: &'static str,
    content_type: &'static str,
    cache_control: &'static str,
) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, content_type),
            (header::CACHE_CONTROL, cache_control),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        body,
    )
        .into_response()
}

fn asset(body: &'static str, content_type: &'static str) -> Response {
    file(body, content_type, "public, max-age=31536000, immutable")
}
