//! The web player: an HTML page, two JavaScript modules and a style sheet compiled into the
//! binary from `assets/`, served at the join URL to browsers.
//!
//! The page speaks the same HTTP join endpoint and WebSocket protocol as `quizcast play`, so
//! the server has nothing specific to browsers besides these files. Nothing is loaded from
//! other hosts, because the host may run on a LAN without internet access.

use std::sync::LazyLock;

use axum::extract::{Path, RawQuery};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::http::html_escape;

const PAGE: &str = include_str!("../../assets/player.html");
const SCRIPT: &str = include_str!("../../assets/player.js");
/// Imported by `player.js` without a version, so browsers revalidate it on every load.
const VIEWS_SCRIPT: &str = include_str!("../../assets/player-views.js");
const STYLE: &str = include_str!("../../assets/player.css");

/// One embedded file and the version that goes in its URL.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static str,
    /// Hash of `body` as hex: URLs carry it as `?v=`, so a new binary's files are new URLs.
    version: String,
}

static ASSETS: LazyLock<[Asset; 3]> = LazyLock::new(|| {
    [
        asset("player.js", "text/javascript; charset=utf-8", SCRIPT),
        asset(
            "player-views.js",
            "text/javascript; charset=utf-8",
            VIEWS_SCRIPT,
        ),
        asset("player.css", "text/css; charset=utf-8", STYLE),
    ]
});

fn asset(name: &'static str, content_type: &'static str, body: &'static str) -> Asset {
    Asset {
        name,
        content_type,
        body,
        version: format!("{:016x}", fnv1a(body.as_bytes())),
    }
}

/// FNV-1a, 64 bits: enough to tell two builds' files apart, with no dependency.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &b| {
        (hash ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// Reports whether the request comes from a browser navigating to the page. Browsers send
/// `Accept: text/html,...` on navigation; curl sends `*/*` and `quizcast play` never fetches
/// the join URL, so both keep getting the plain page.
pub fn wants_web_player(headers: &HeaderMap) -> bool {
    headers
        .get_all(header::ACCEPT)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|media| media.split(';').next().unwrap_or("").trim() == "text/html")
}

/// Builds the web player page for game `code`, titled `title`.
pub fn player_page(state: &AppState, code: &str, title: &str) -> Response {
    page_response(state, render(state, code, title, "found"))
}

/// Builds the page for a code no game on this host has, with status 404, so that a phone
/// that scanned an old QR code reads why instead of a JSON error.
pub fn missing_game_page(state: &AppState, code: &str) -> Response {
    let code = code.trim().to_ascii_uppercase();
    let mut response = page_response(state, render(state, &code, "quizcast", "missing"));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

fn render(state: &AppState, code: &str, title: &str, game: &str) -> String {
    let mut page = PAGE
        .replace("{{game}}", game)
        .replace("{{title}}", &html_escape(title))
        .replace("{{code}}", &html_escape(code))
        .replace("{{join_url}}", &html_escape(&state.join_url(code)));
    for asset in ASSETS.iter() {
        let placeholder = format!("{{{{{}}}}}", asset.name);
        let url = format!("/assets/{}?v={}", asset.name, asset.version);
        page = page.replace(&placeholder, &url);
    }
    page
}

fn page_response(state: &AppState, page: String) -> Response {
    let mut response = page.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    // The page names the game and its files' versions, so the browser revalidates it on every load.
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert(header::VARY, HeaderValue::from_static("Accept"));
    if let Ok(policy) = HeaderValue::from_str(&content_security_policy(state)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, policy);
    }
    security_headers(headers);
    response
}

/// Returns the page's Content-Security-Policy: scripts, styles and requests only from this
/// host, and the WebSocket URL the join response hands out. That URL comes from
/// `--public-url` and may name another host than the one the browser loaded the page from.
fn content_security_policy(state: &AppState) -> String {
    let ws_url = state.ws_url();
    let ws_origin = ws_url.strip_suffix("/ws").unwrap_or(&ws_url);
    format!(
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
         connect-src 'self' {ws_origin}; base-uri 'none'; form-action 'none'; \
         frame-ancestors 'none'"
    )
}

fn security_headers(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
}

/// `GET /assets/{name}`: one embedded file. A request with the current `?v=` version may be
/// cached for a year; any other is revalidated through its `ETag`.
pub async fn asset_file(
    Path(name): Path<String>,
    RawQuery(query): RawQuery,
    request_headers: HeaderMap,
) -> Response {
    let Some(asset) = ASSETS.iter().find(|asset| asset.name == name) else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", asset.version);
    let versioned = query.as_deref() == Some(&format!("v={}", asset.version));
    let cache = if versioned {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    let not_modified = request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|value| value.as_bytes() == etag.as_bytes());

    let mut response = if not_modified {
        StatusCode::NOT_MODIFIED.into_response()
    } else {
        asset.body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(asset.content_type),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    if let Ok(value) = HeaderValue::from_str(&etag) {
        headers.insert(header::ETAG, value);
    }
    security_headers(headers);
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accept(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(header::ACCEPT, HeaderValue::from_str(value).unwrap());
        headers
    }

    #[test]
    fn browsers_get_web_player() {
        let chromium = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";
        assert!(wants_web_player(&accept(chromium)));
        assert!(wants_web_player(&accept("text/html")));
    }

    #[test]
    fn curl_gets_plain_page() {
        assert!(!wants_web_player(&accept("*/*")));
        assert!(!wants_web_player(&accept("application/json")));
        assert!(!wants_web_player(&HeaderMap::new()));
    }

    #[test]
    fn assets_have_distinct_versions() {
        let mut versions: Vec<&str> = ASSETS.iter().map(|a| a.version.as_str()).collect();
        versions.sort_unstable();
        versions.dedup();
        assert_eq!(versions.len(), ASSETS.len());
        assert!(versions.iter().all(|version| version.len() == 16));
    }

    #[test]
    fn page_placeholders_all_known() {
        for placeholder in ["{{game}}", "{{title}}", "{{code}}", "{{join_url}}"] {
            assert!(PAGE.contains(placeholder), "{placeholder}");
        }
        for linked in ["{{player.js}}", "{{player.css}}"] {
            assert!(PAGE.contains(linked), "{linked}");
        }
    }

    #[test]
    fn page_has_no_inline_script() {
        assert!(
            !PAGE.contains("<script>"),
            "the CSP allows only script files"
        );
        for handler in ["onload=", "onclick=", "onsubmit=", "javascript:"] {
            assert!(!PAGE.contains(handler), "{handler}");
        }
    }
}
