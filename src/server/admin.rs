//! The admin REST API under `/api/admin`: create games from question files, drive them, kick
//! players, read state and results, and publish announcements over HTTP.
//!
//! Every route requires `Authorization: Bearer KEY` with the host's admin key, compared in
//! constant time. The key is never logged. `docs/ADMIN.md` shows each endpoint with `curl`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use subtle::ConstantTimeEq;
use tokio::sync::oneshot;

use super::AppState;
use super::http::error;
use crate::host::actor::{Control, ControlError, GameCommand, GameHandle, GameReport};
use crate::host::events::Standing;
use crate::import::{self, Format, ImportOptions, SettingNames};
use crate::protocol::{AnnouncementEvent, Channel, unix_ms};

/// Maximum kick reason length, in bytes, because it travels in a WebSocket close frame, whose
/// reason may take at most 123 bytes.
pub const MAX_KICK_REASON_BYTES: usize = 100;
/// Reason a kicked player sees when the request gives none.
pub const DEFAULT_KICK_REASON: &str = "no reason given";
/// Largest request body the admin routes read, in bytes: room for a question file of a few
/// thousand questions or a spreadsheet. Requests without the key are refused before their body
/// is read.
pub const MAX_UPLOAD_BYTES: usize = 8 * 1024 * 1024;
/// Maximum number of events in one HTTP publish.
pub const MAX_PUBLISH_EVENTS: usize = 10;
/// Maximum announcement length, in characters.
pub const MAX_ANNOUNCEMENT_CHARS: usize = 500;

/// The admin key, compared in constant time and never printed by `Debug`.
pub struct AdminKey {
    key: Vec<u8>,
    /// Requests rejected for a missing or wrong key, for rate-limited logging.
    rejected: AtomicU64,
}

impl AdminKey {
    /// Wraps `key`.
    pub fn new(key: &str) -> AdminKey {
        AdminKey {
            key: key.as_bytes().to_vec(),
            rejected: AtomicU64::new(0),
        }
    }

    /// Reports whether `candidate` is the key. The time taken depends on the lengths only,
    /// never on where the first differing byte is.
    pub fn matches(&self, candidate: &str) -> bool {
        bool::from(self.key.as_slice().ct_eq(candidate.as_bytes()))
    }
}

impl std::fmt::Debug for AdminKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("AdminKey(<redacted>)")
    }
}

/// Builds the admin routes, all behind the key check.
pub fn router(state: Arc<AppState>) -> Router<Arc<AppState>> {
    Router::new()
        .route("/games", get(list_games).post(create_game))
        .route("/games/{code}", get(game_state))
        .route("/games/{code}/results", get(results))
        .route("/games/{code}/start", post(start))
        .route("/games/{code}/next", post(next))
        .route("/games/{code}/end", post(end))
        .route("/games/{code}/players/{player_id}/kick", post(kick))
        .route("/publish", post(publish))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
        .route_layer(middleware::from_fn_with_state(state, require_key))
}

/// Rejects a request without the right bearer key with 401.
async fn require_key(State(state): State<Arc<AppState>>, request: Request, next: Next) -> Response {
    let presented = bearer(request.headers());
    let message = match presented {
        Some(key) if state.admin_key.matches(key) => return next.run(request).await,
        Some(_) => "invalid admin key; use the key the host printed at start",
        None if request.headers().contains_key(header::AUTHORIZATION) => {
            "invalid Authorization header; send 'Authorization: Bearer KEY' with a space after Bearer and the key the host printed at start"
        }
        None => {
            "missing admin key; send the header 'Authorization: Bearer KEY' with the key the host printed at start"
        }
    };
    // Count every rejection but log only the 1st, 10th, 100th and so on, so a flood of bad
    // requests cannot fill the log. The presented key is never logged.
    let count = state.admin_key.rejected.fetch_add(1, Ordering::Relaxed) + 1;
    if is_power_of_ten(count) {
        // Inside the nested router the URI lacks the `/api/admin` prefix.
        let path = request
            .extensions()
            .get::<OriginalUri>()
            .map_or(request.uri().path(), |uri| uri.path());
        tracing::warn!(
            path = %path,
            rejected = count,
            "rejected admin request without a valid key"
        );
    }
    let mut response = error(StatusCode::UNAUTHORIZED, "Unauthorized", message);
    response.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        header::HeaderValue::from_static("Bearer"),
    );
    response
}

fn is_power_of_ten(mut n: u64) -> bool {
    while n >= 10 && n.is_multiple_of(10) {
        n /= 10;
    }
    n == 1
}

/// Returns the token of an `Authorization: Bearer TOKEN` header.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.split_once(' ')?;
    scheme
        .eq_ignore_ascii_case("bearer")
        .then(|| token.trim())
        .filter(|t| !t.is_empty())
}

/// A game in `GET /api/admin/games` and in replies to actions.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GameSummary {
    pub code: String,
    pub title: String,
    /// `lobby`, `question`, `results` or `over`.
    pub state: String,
    /// 0-based index of the current or last question, once the game started.
    pub question: Option<usize>,
    pub questions: usize,
    pub players: usize,
    pub join_url: String,
}

fn summary(state: &AppState, game: &GameHandle) -> GameSummary {
    let status = game.status.borrow().clone();
    GameSummary {
        code: game.code.clone(),
        title: game.title.clone(),
        state: status.state.to_string(),
        question: status.question,
        questions: status.questions,
        players: status.players,
        join_url: state.join_url(&game.code),
    }
}

fn unknown_game(code: &str) -> Response {
    error(
        StatusCode::NOT_FOUND,
        "GameNotFound",
        format!("no game with code {code:?} on this host; list games with GET /api/admin/games"),
    )
}

fn game_stopped() -> Response {
    error(StatusCode::GONE, "GameEnded", "the game has stopped")
}

/// `GET /api/admin/games`: every game of this host.
async fn list_games(State(state): State<Arc<AppState>>) -> Response {
    let games: Vec<GameSummary> = state
        .registry
        .games()
        .iter()
        .map(|g| summary(&state, g))
        .collect();
    Json(serde_json::json!({ "games": games })).into_response()
}

/// Query parameters of `POST /api/admin/games`.
#[derive(Debug, Deserialize)]
struct CreateQuery {
    /// A format name as `quizcast check --format` takes it; detected when missing.
    format: Option<String>,
    /// `utf-8` (the default) or `windows-1252`, for text formats.
    encoding: Option<String>,
    /// File name the upload had; its extension helps format detection and it names the file
    /// in messages.
    name: Option<String>,
    /// Game code; generated when missing.
    code: Option<String>,
}

/// `POST /api/admin/games`: creates a game from the question file in the body, in any format
/// `quizcast host --questions` reads.
async fn create_game(
    State(state): State<Arc<AppState>>,
    Query(query): Query<CreateQuery>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let options = match import_options(&query, &headers) {
        Ok(options) => options,
        Err(message) => {
            tracing::info!(%message, "question file upload rejected: invalid format or encoding");
            return error(StatusCode::BAD_REQUEST, "InvalidFormat", message);
        }
    };
    let name = query.name.as_deref().unwrap_or("(request body)");
    let (report, bank) = import::check_bytes(name, &body, &options, &mut rand::rng());
    let Some(mut bank) = bank else {
        let message = report.to_text().trim_end().to_string();
        tracing::info!(file = name, skipped = report.skipped.len(), error = ?report.error, "question file upload has no usable question");
        return error(StatusCode::BAD_REQUEST, "InvalidBank", message);
    };
    // Without a `name`, a format that has no title falls back to the placeholder that names the
    // body in messages, which players would see as the quiz title.
    if query.name.is_none() && bank.title == name {
        bank.title = import::DEFAULT_TITLE.to_string();
    }
    match crate::host::create_game(&state, bank, query.code.as_deref()) {
        Ok(game) => {
            let mut body = serde_json::to_value(summary(&state, &game)).unwrap_or_default();
            if let Some(fields) = body.as_object_mut() {
                fields.insert("skipped".into(), serde_json::json!(report.skipped));
                fields.insert("warnings".into(), serde_json::json!(report.warnings));
            }
            (StatusCode::CREATED, Json(body)).into_response()
        }
        Err(e @ crate::host::CreateError::Code(_)) => {
            error(StatusCode::BAD_REQUEST, "InvalidCode", e.to_string())
        }
        Err(e @ crate::host::CreateError::TooMany(_)) => {
            tracing::warn!(error = %e, "game not created");
            error(StatusCode::CONFLICT, "TooManyGames", e.to_string())
        }
        Err(e) => error(StatusCode::CONFLICT, "CodeTaken", e.to_string()),
    }
}

/// Picks the import options: the `format` parameter, else a format the `Content-Type` names,
/// else detection from the file name and content.
fn import_options(query: &CreateQuery, headers: &HeaderMap) -> Result<ImportOptions, String> {
    let mut options = ImportOptions {
        settings: SettingNames::QueryParameters,
        ..ImportOptions::default()
    };
    if let Some(encoding) = &query.encoding {
        options.encoding = encoding.parse()?;
    }
    if let Some(format) = &query.format {
        options.format = Some(format.parse()?);
        return Ok(options);
    }
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if content_type.contains("toml") {
        options.format = Some(Format::Toml);
    } else if content_type.contains("spreadsheetml") {
        options.format = Some(Format::KahootXlsx);
    } else if content_type.contains("csv") {
        options.format = Some(Format::KahootCsv);
    }
    Ok(options)
}

/// The body of `GET /api/admin/games/{code}`.
#[derive(Debug, Serialize)]
struct GameState {
    code: String,
    title: String,
    state: &'static str,
    question: Option<usize>,
    questions: usize,
    join_url: String,
    /// Every player in join order, kicked ones included.
    players: Vec<crate::host::actor::PlayerReport>,
    /// Standings of the players not kicked, best first.
    standings: Vec<Standing>,
}

async fn report(game: &GameHandle) -> Option<GameReport> {
    let (reply, answer) = oneshot::channel();
    game.commands
        .send(GameCommand::Report { reply })
        .await
        .ok()?;
    answer.await.ok()
}

/// `GET /api/admin/games/{code}`: the game's phase, players and standings.
async fn game_state(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    let Some(game) = state.registry.game(&code) else {
        return unknown_game(&code);
    };
    let Some(report) = report(&game).await else {
        return game_stopped();
    };
    let GameReport {
        status,
        players,
        standings,
    } = report;
    Json(GameState {
        join_url: state.join_url(&game.code),
        code: game.code,
        title: game.title,
        state: status.state,
        question: status.question,
        questions: status.questions,
        players,
        standings,
    })
    .into_response()
}

/// The body of `GET /api/admin/games/{code}/results`.
#[derive(Debug, Serialize)]
struct Results {
    code: String,
    /// Whether the game is over, so the standings are final.
    #[serde(rename = "final")]
    is_final: bool,
    standings: Vec<Standing>,
}

/// `GET /api/admin/games/{code}/results`: the standings, final once the game is over.
async fn results(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    let Some(game) = state.registry.game(&code) else {
        return unknown_game(&code);
    };
    let Some(report) = report(&game).await else {
        return game_stopped();
    };
    Json(Results {
        code: game.code,
        is_final: report.status.state == "over",
        standings: report.standings,
    })
    .into_response()
}

/// Sends `action` to the game `code` and replies with the game after it.
async fn control(state: &AppState, code: &str, action: Control) -> Response {
    let Some(game) = state.registry.game(code) else {
        return unknown_game(code);
    };
    let (reply, answer) = oneshot::channel();
    if game
        .commands
        .send(GameCommand::Control { action, reply })
        .await
        .is_err()
    {
        return game_stopped();
    }
    match answer.await {
        Ok(Ok(_)) => Json(summary(state, &game)).into_response(),
        Ok(Err(e @ ControlError::Conflict(_))) => {
            error(StatusCode::CONFLICT, "InvalidPhase", e.to_string())
        }
        Ok(Err(e @ ControlError::UnknownPlayer(_))) => {
            error(StatusCode::NOT_FOUND, "PlayerNotFound", e.to_string())
        }
        Err(_) => game_stopped(),
    }
}

/// `POST /api/admin/games/{code}/start`: opens the first question.
async fn start(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    control(&state, &code, Control::Start).await
}

/// `POST /api/admin/games/{code}/next`: closes the open question or opens the next one.
async fn next(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    control(&state, &code, Control::Next).await
}

/// `POST /api/admin/games/{code}/end`: ends the game now.
async fn end(State(state): State<Arc<AppState>>, Path(code): Path<String>) -> Response {
    control(&state, &code, Control::End).await
}

/// The optional body of a kick.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct KickRequest {
    reason: Option<String>,
}

/// `POST /api/admin/games/{code}/players/{player_id}/kick`: removes a player for the rest of
/// the game.
async fn kick(
    State(state): State<Arc<AppState>>,
    Path((code, player_id)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let request: KickRequest = if body.iter().all(u8::is_ascii_whitespace) {
        KickRequest::default()
    } else {
        match serde_json::from_slice(&body) {
            Ok(request) => request,
            Err(e) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    "InvalidRequest",
                    format!(
                        "invalid kick request: {e}; send JSON {{\"reason\": \"...\"}} or no body"
                    ),
                );
            }
        }
    };
    let reason = match check_reason(request.reason.as_deref()) {
        Ok(reason) => reason,
        Err(message) => return error(StatusCode::BAD_REQUEST, "InvalidReason", message),
    };
    let action = Control::Kick { player_id, reason };
    control(&state, &code, action).await
}

/// Returns the reason to send a kicked player, or why `reason` cannot be sent.
fn check_reason(reason: Option<&str>) -> Result<String, String> {
    let Some(reason) = reason.map(str::trim) else {
        return Ok(DEFAULT_KICK_REASON.to_string());
    };
    if reason.is_empty() {
        return Ok(DEFAULT_KICK_REASON.to_string());
    }
    if reason.len() > MAX_KICK_REASON_BYTES {
        return Err(format!(
            "the reason is {} bytes long; use at most {MAX_KICK_REASON_BYTES} bytes of UTF-8",
            reason.len()
        ));
    }
    if reason.chars().any(char::is_control) {
        return Err("the reason contains control characters; send plain text".into());
    }
    Ok(reason.to_string())
}

/// The body of `POST /api/admin/publish`, shaped like a WebSocket `publish`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct PublishRequest {
    channel: String,
    events: Vec<serde_json::Value>,
}

/// An announcement as a backend sends it; the server adds `kind` and `sent_at_ms`.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AnnouncementInput {
    text: String,
}

/// `POST /api/admin/publish`: publishes events to a game's announcement channel.
async fn publish(State(state): State<Arc<AppState>>, body: Bytes) -> Response {
    let request: PublishRequest = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                "InvalidRequest",
                format!(
                    "invalid publish request: {e}; send JSON {{\"channel\": \"/game/CODE/announcements\", \"events\": [{{\"text\": \"...\"}}]}}"
                ),
            );
        }
    };
    let Some(Channel::Announcements { code }) = Channel::parse(&request.channel) else {
        return error(
            StatusCode::FORBIDDEN,
            "Unauthorized",
            format!(
                "cannot publish to {:?} over HTTP; only /game/CODE/announcements channels take HTTP publishes, because the game itself writes its other channels",
                request.channel
            ),
        );
    };
    let Some(game) = state.registry.game(&code) else {
        return unknown_game(&code);
    };
    let events = match announcement_events(request.events) {
        Ok(events) => events,
        Err(message) => return error(StatusCode::BAD_REQUEST, "InvalidEvent", message),
    };

    let channel = Channel::Announcements { code: game.code }.path();
    let seq: Vec<u64> = events
        .iter()
        .map(|event| state.hub.publish(&channel, event))
        .collect();
    tracing::info!(%channel, events = seq.len(), "announcement published over HTTP");
    Json(serde_json::json!({ "channel": channel, "seq": seq })).into_response()
}

/// Checks the events of an HTTP publish and returns each as a serialized announcement.
fn announcement_events(events: Vec<serde_json::Value>) -> Result<Vec<String>, String> {
    if events.is_empty() || events.len() > MAX_PUBLISH_EVENTS {
        return Err(format!(
            "got {} events; publish 1 to {MAX_PUBLISH_EVENTS} events at a time",
            events.len()
        ));
    }
    let sent_at_ms = unix_ms();
    let mut serialized = Vec::with_capacity(events.len());
    for (i, event) in events.into_iter().enumerate() {
        let input: AnnouncementInput = serde_json::from_value(event)
            .map_err(|e| format!("event {i} is invalid ({e}); send {{\"text\": \"...\"}}"))?;
        let chars = input.text.chars().count();
        if chars == 0 || chars > MAX_ANNOUNCEMENT_CHARS {
            return Err(format!(
                "event {i} has {chars} characters of text; send 1 to {MAX_ANNOUNCEMENT_CHARS}"
            ));
        }
        let event = AnnouncementEvent::Announcement {
            text: input.text,
            sent_at_ms,
        };
        serialized.push(serde_json::to_string(&event).expect("events always serialize"));
    }
    Ok(serialized)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_comparison() {
        let key = AdminKey::new("0123456789abcdef0123456789abcdef");
        assert!(key.matches("0123456789abcdef0123456789abcdef"));
        assert!(!key.matches("0123456789abcdef0123456789abcdee"));
        assert!(!key.matches("0123456789abcdef"));
        assert!(!key.matches(""));
    }

    #[test]
    fn key_debug_redacted() {
        let key = AdminKey::new("secret-secret-secret");
        assert!(!format!("{key:?}").contains("secret"));
    }

    #[test]
    fn bearer_header_parsing() {
        let mut headers = HeaderMap::new();
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer abc".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "bearer abc".parse().unwrap());
        assert_eq!(bearer(&headers), Some("abc"));
        headers.insert(header::AUTHORIZATION, "Basic abc".parse().unwrap());
        assert_eq!(bearer(&headers), None);
        headers.insert(header::AUTHORIZATION, "Bearer ".parse().unwrap());
        assert_eq!(bearer(&headers), None);
    }

    #[test]
    fn powers_of_ten() {
        let logged: Vec<u64> = (1..=1000).filter(|n| is_power_of_ten(*n)).collect();
        assert_eq!(logged, vec![1, 10, 100, 1000]);
    }

    #[test]
    fn kick_reasons_checked() {
        assert_eq!(check_reason(None).unwrap(), DEFAULT_KICK_REASON);
        assert_eq!(check_reason(Some("  ")).unwrap(), DEFAULT_KICK_REASON);
        assert_eq!(check_reason(Some(" spam ")).unwrap(), "spam");
        assert!(check_reason(Some(&"x".repeat(101))).is_err());
        assert!(check_reason(Some("a\u{7}b")).is_err());
    }

    #[test]
    fn announcement_events_checked() {
        let ok = announcement_events(vec![serde_json::json!({"text": "hi"})]).unwrap();
        assert!(ok[0].contains(r#""kind":"announcement""#));
        assert!(announcement_events(vec![]).is_err());
        assert!(announcement_events(vec![serde_json::json!({"text": ""})]).is_err());
        assert!(announcement_events(vec![serde_json::json!({"text": "a", "x": 1})]).is_err());
        assert!(announcement_events(vec![serde_json::json!("text")]).is_err());
    }

    #[test]
    fn import_options_from_query_and_content_type() {
        let query = |format: Option<&str>| CreateQuery {
            format: format.map(String::from),
            encoding: None,
            name: None,
            code: None,
        };
        let none = HeaderMap::new();
        assert_eq!(import_options(&query(None), &none).unwrap().format, None);
        assert_eq!(
            import_options(&query(Some("gift")), &none).unwrap().format,
            Some(Format::Gift)
        );
        assert!(import_options(&query(Some("yaml")), &none).is_err());
        let mut csv = HeaderMap::new();
        csv.insert(header::CONTENT_TYPE, "text/csv".parse().unwrap());
        assert_eq!(
            import_options(&query(None), &csv).unwrap().format,
            Some(Format::KahootCsv)
        );
    }
}
