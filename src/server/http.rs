//! The HTTP routes: game info and join, both behind admission control, and the join page.

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use serde::{Deserialize, Serialize};
use tokio::sync::oneshot;

use super::AppState;
use super::metrics::Metrics;
use super::web;
use crate::game::JoinError;
use crate::host::actor::GameCommand;

/// Longest accepted player id, in bytes.
pub const MAX_PLAYER_ID_LEN: usize = 64;

/// The body of `POST /api/games/{code}/players`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinRequest {
    /// Client-generated id: 1 to 64 ASCII letters, digits, `-` or `_`.
    pub player_id: String,
    pub name: String,
    /// The session token of an earlier join with the same `player_id`. With it, a returning
    /// player gets its session back (200) instead of 409 for a taken id or name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// The body of a successful join.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct JoinResponse {
    pub player_id: String,
    pub name: String,
    pub code: String,
    pub title: String,
    /// Secret session token for `connection_init`.
    pub token: String,
    pub ws_url: String,
}

/// The body of `GET /api/games/{code}`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GameInfo {
    pub code: String,
    pub title: String,
    pub state: String,
    pub players: usize,
    pub questions: usize,
}

/// The body of every error response.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorResponse {
    pub error_type: String,
    pub error: String,
    /// On 429: how long to wait before retrying, in ms.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// Returns a JSON error response with `error_type` and a message saying what to do.
pub(super) fn error(status: StatusCode, error_type: &str, message: impl Into<String>) -> Response {
    let body = ErrorResponse {
        error_type: error_type.to_string(),
        error: message.into(),
        retry_after_ms: None,
    };
    (status, Json(body)).into_response()
}

/// Admits the request, or returns the 429 response that turns it away. `Retry-After` carries
/// whole seconds, as HTTP requires, rounded to the nearest second so that a short wait is `0`
/// rather than a full second; the body carries the exact wait in ms.
fn over_rate(state: &AppState) -> Option<Response> {
    let wait = state.admission.check().err()?;
    Metrics::count(&state.metrics.admission_rejected);
    let body = ErrorResponse {
        error_type: "TooManyRequests".into(),
        error: "the host is admitting players at its join rate; retry after the given time".into(),
        retry_after_ms: Some(wait.as_millis().max(1) as u64),
    };
    let seconds = wait.as_secs_f64().round() as u64;
    let mut response = (StatusCode::TOO_MANY_REQUESTS, Json(body)).into_response();
    let headers = response.headers_mut();
    headers.insert(header::RETRY_AFTER, HeaderValue::from(seconds));
    // A client told to wait should not hold an idle connection (a file descriptor on the host)
    // meanwhile; during a storm that would double the host's descriptors.
    headers.insert(header::CONNECTION, HeaderValue::from_static("close"));
    Some(response)
}

fn unknown_game(code: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "GameNotFound",
        format!("no game with code {code:?} on this host; check the code on the host's screen"),
    )
}

/// `GET /api/games/{code}`: the game's title and state.
pub async fn game_info(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    if let Some(response) = over_rate(&state) {
        return response;
    }
    let Some(game) = state.registry.game(&code) else {
        return unknown_game(&code);
    };
    let status = game.status.borrow().clone();
    Json(GameInfo {
        code: game.code,
        title: game.title,
        state: status.state.to_string(),
        players: status.players,
        questions: status.questions,
    })
    .into_response()
}

/// `POST /api/games/{code}/players`: admits a player and issues its session token.
pub async fn join_game(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    body: Bytes,
) -> Response {
    if let Some(response) = over_rate(&state) {
        return response;
    }
    let Some(game) = state.registry.game(&code) else {
        return unknown_game(&code);
    };
    let request: JoinRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                format!(
                    "invalid join request: {e}; send JSON {{\"player_id\": \"...\", \"name\": \"...\"}}"
                ),
            );
        }
    };
    if let Err(message) = check_player_id(&request.player_id) {
        return error(StatusCode::BAD_REQUEST, "InvalidPlayerId", message);
    }

    // A returning player with its token gets its own session back, whatever name it sends.
    if let Some(token) = &request.token
        && let Some(session) = state.registry.session(token)
        && session.player_id == request.player_id
        && session.code == game.code
    {
        let response = JoinResponse {
            player_id: session.player_id,
            name: session.name,
            code: game.code,
            title: game.title,
            token: token.clone(),
            ws_url: state.ws_url(),
        };
        return (
            StatusCode::OK,
            [(header::CONNECTION, "close")],
            Json(response),
        )
            .into_response();
    }

    let token = new_token();
    let (reply, answer) = oneshot::channel();
    let command = GameCommand::Join {
        player_id: request.player_id.clone(),
        name: request.name,
        token: token.clone(),
        reply,
    };
    if game.commands.send(command).await.is_err() {
        return error(StatusCode::GONE, "GameEnded", "the game has stopped");
    }
    let joined = match answer.await {
        Ok(Ok(joined)) => joined,
        Ok(Err(e)) => return join_error(e),
        Err(_) => return error(StatusCode::GONE, "GameEnded", "the game has stopped"),
    };

    Metrics::count(&state.metrics.joins_admitted);
    let response = JoinResponse {
        player_id: joined.player_id,
        name: joined.name,
        code: game.code,
        title: game.title,
        token,
        ws_url: state.ws_url(),
    };
    // The player moves on to the WebSocket, so the HTTP connection is not needed any more.
    (
        StatusCode::CREATED,
        [(header::CONNECTION, "close")],
        Json(response),
    )
        .into_response()
}

fn join_error(e: JoinError) -> Response {
    let (status, error_type) = match &e {
        JoinError::Nickname(_) => (StatusCode::BAD_REQUEST, "InvalidNickname"),
        JoinError::NameTaken(_) => (StatusCode::CONFLICT, "NicknameTaken"),
        JoinError::IdTaken(_) => (StatusCode::CONFLICT, "PlayerIdTaken"),
        JoinError::GameOver => (StatusCode::CONFLICT, "GameOver"),
        JoinError::Kicked { .. } => (StatusCode::FORBIDDEN, "PlayerKicked"),
    };
    error(status, error_type, e.to_string())
}

fn check_player_id(id: &str) -> Result<(), String> {
    let valid_chars = id
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if id.is_empty() || id.len() > MAX_PLAYER_ID_LEN || !valid_chars {
        return Err(format!(
            "player id {id:?} is invalid; use 1 to {MAX_PLAYER_ID_LEN} ASCII letters, digits, '-' or '_'"
        ));
    }
    Ok(())
}

/// Returns a new secret session token: 128 random bits as hex.
fn new_token() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// `GET /join/{code}`: the web player for browsers, and a plain page with the `quizcast play`
/// command line for every other client.
pub async fn join_page(
    State(state): State<Arc<AppState>>,
    Path(code): Path<String>,
    headers: HeaderMap,
) -> Response {
    let browser = web::wants_web_player(&headers);
    let Some(game) = state.registry.game(&code) else {
        if browser {
            return web::missing_game_page(&state, &code);
        }
        return unknown_game(&code);
    };
    if browser {
        return web::player_page(&state, &game.code, &game.title);
    }
    let url = state.join_url(&game.code);
    let page = format!(
        "<!doctype html><meta charset=utf-8><meta name=viewport content='width=device-width'>\
         <title>quizcast: {title}</title>\
         <h1>{title}</h1><p>Game code <b>{code}</b>.</p>\
         <p>Join from a terminal:</p><pre>quizcast play {url}</pre>",
        title = html_escape(&game.title),
        code = html_escape(&game.code),
        url = html_escape(&url),
    );
    // Browsers get another page from the same URL, so caches must key on `Accept`.
    ([(header::VARY, "Accept")], Html(page)).into_response()
}

/// Escapes text for HTML element content and quoted attribute values.
pub(super) fn html_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn player_id_rules() {
        assert!(check_player_id("a1-B_2").is_ok());
        assert!(check_player_id("").is_err());
        assert!(check_player_id("has space").is_err());
        assert!(check_player_id(&"x".repeat(65)).is_err());
        assert!(check_player_id("../etc").is_err());
    }

    #[test]
    fn tokens_are_unique_hex() {
        let a = new_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, new_token());
    }
}
