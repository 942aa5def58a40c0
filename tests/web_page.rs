//! The join URL over real HTTP: browsers get the web player with its security and cache
//! headers, other clients keep the plain page, and the page's files are served with versions.

mod common;

use common::{bank, start_host};
use quizcast::host::actor::Automation;
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap};

/// The `Accept` header Chromium sends when it opens a URL.
const BROWSER_ACCEPT: &str = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8";

async fn get(url: &str, accept: Option<&str>) -> (StatusCode, HeaderMap, String) {
    let mut request = reqwest::Client::new().get(url);
    if let Some(accept) = accept {
        request = request.header(header::ACCEPT, accept);
    }
    let response = request.send().await.expect("GET succeeds");
    let status = response.status();
    let headers = response.headers().clone();
    (status, headers, response.text().await.unwrap())
}

fn header_text<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .unwrap_or_else(|| panic!("no {name} header"))
        .to_str()
        .unwrap()
}

/// Returns the URL path of the asset `name` that the page links, with its `?v=` version.
fn linked_asset(page: &str, name: &str) -> String {
    let start = page
        .find(&format!("/assets/{name}?v="))
        .unwrap_or_else(|| panic!("the page links no {name}"));
    let end = start + page[start..].find('"').expect("closing quote");
    page[start..end].to_string()
}

#[tokio::test]
async fn browser_gets_web_player() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let (status, headers, page) = get(&host.join_url, Some(BROWSER_ACCEPT)).await;

    assert_eq!(status, StatusCode::OK);
    assert_eq!(
        header_text(&headers, "content-type"),
        "text/html; charset=utf-8"
    );
    assert_eq!(header_text(&headers, "x-content-type-options"), "nosniff");
    assert_eq!(header_text(&headers, "cache-control"), "no-cache");
    assert_eq!(header_text(&headers, "vary"), "Accept");
    let policy = header_text(&headers, "content-security-policy");
    assert!(policy.contains("script-src 'self';"), "{policy}");
    assert!(policy.contains("default-src 'none'"), "{policy}");
    let ws_origin = format!("ws://{}", host.addr);
    assert!(policy.contains(&ws_origin), "{policy} lacks {ws_origin}");

    assert!(page.contains("data-code=\"TEST\""), "{page}");
    assert!(
        page.contains("<title>quizcast: Test bank</title>"),
        "{page}"
    );
    assert!(!page.contains("{{"), "unfilled placeholder in {page}");
    // The style sheet has dark colors only, so the browser must draw its own parts (scroll
    // bars, the canvas before the styles load) dark under a light system theme too.
    assert!(
        page.contains(r#"<meta name="color-scheme" content="dark">"#),
        "{page}"
    );
}

#[tokio::test]
async fn curl_keeps_plain_page() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    for accept in [None, Some("*/*")] {
        let (status, headers, page) = get(&host.join_url, accept).await;
        assert_eq!(status, StatusCode::OK, "Accept {accept:?}");
        assert_eq!(header_text(&headers, "vary"), "Accept");
        let command = format!("quizcast play {}", host.join_url);
        assert!(page.contains(&command), "Accept {accept:?}: {page}");
        assert!(!page.contains("player.js"), "Accept {accept:?}: {page}");
    }
}

#[tokio::test]
async fn unknown_game_per_client() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let url = format!("http://{}/join/NOPE", host.addr);

    let (status, _, body) = get(&url, None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(body.contains("\"error_type\":\"GameNotFound\""), "{body}");

    let (status, _, page) = get(&url, Some(BROWSER_ACCEPT)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(page.contains("data-game=\"missing\""), "{page}");
    assert!(page.contains("data-code=\"NOPE\""), "{page}");
}

#[tokio::test]
async fn unknown_code_is_escaped() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let url = format!("http://{}/join/%3Cb%3Ex", host.addr);
    let (status, _, page) = get(&url, Some(BROWSER_ACCEPT)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!page.contains("<B>X"), "{page}");
    assert!(page.contains("&lt;B&gt;X"), "{page}");
}

#[tokio::test]
async fn assets_cache_by_version() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let (_, _, page) = get(&host.join_url, Some(BROWSER_ACCEPT)).await;
    let base = format!("http://{}", host.addr);

    for (name, content_type) in [
        ("player.js", "text/javascript; charset=utf-8"),
        ("player.css", "text/css; charset=utf-8"),
    ] {
        let versioned = linked_asset(&page, name);
        let (status, headers, body) = get(&format!("{base}{versioned}"), None).await;
        assert_eq!(status, StatusCode::OK, "{name}");
        assert!(!body.is_empty(), "{name}");
        assert_eq!(header_text(&headers, "content-type"), content_type);
        assert_eq!(header_text(&headers, "x-content-type-options"), "nosniff");
        let cache = header_text(&headers, "cache-control");
        assert!(cache.contains("immutable"), "{name}: {cache}");

        let (_, headers, _) = get(&format!("{base}/assets/{name}"), None).await;
        assert_eq!(header_text(&headers, "cache-control"), "no-cache", "{name}");
        let etag = header_text(&headers, "etag").to_string();
        let revalidated = reqwest::Client::new()
            .get(format!("{base}/assets/{name}"))
            .header(header::IF_NONE_MATCH, &etag)
            .send()
            .await
            .unwrap();
        assert_eq!(revalidated.status(), StatusCode::NOT_MODIFIED, "{name}");
    }

    // player.js imports the screens by a URL without a version.
    let (status, headers, body) = get(&format!("{base}/assets/player-views.js"), None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.contains("export function createViews"), "{body}");
    assert_eq!(header_text(&headers, "cache-control"), "no-cache");

    let (status, _, _) = get(&format!("{base}/assets/../Cargo.toml"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = get(&format!("{base}/assets/other.js"), None).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}
