//! The WebSocket protocol: message envelopes, channel paths, and the events on each channel.
//!
//! The envelopes mirror AWS AppSync Events (`connection_init`, `connection_ack`, `ka`,
//! `subscribe`, `publish`, `data`, `unsubscribe`, each with a client-chosen `id`), with
//! snake_case field names and events carried as JSON objects instead of JSON-encoded strings.
//! `docs/PROTOCOL.md` shows every message with an example.
//!
//! Numbering on the wire: `index` is a 0-based question index; `option` and the entries of
//! `correct` are 1-based option numbers, as in question files and `--answers`.

use serde::{Deserialize, Serialize};

/// Default largest message the server accepts, in bytes (`--max-message-bytes`).
pub const MAX_FRAME_BYTES: usize = 16 * 1024;
/// By default the server closes a connection that sends no `connection_init` within this many
/// ms (`--init-timeout-ms`).
pub const INIT_TIMEOUT_MS: u64 = 10_000;
/// By default the server sends a ping and `ka` this often, in ms (`--keepalive-ms`).
pub const KEEPALIVE_INTERVAL_MS: u64 = 20_000;
/// WebSocket close code the server sends when the host ended the game on purpose or is
/// shutting down. A client that receives it stops instead of reconnecting.
pub const CLOSE_HOST_ENDED: u16 = 4000;
/// Close code for a game that is over; the client stops and keeps the final standings.
pub const CLOSE_GAME_OVER: u16 = 4001;
/// Close code for a player the host removed; the client stops and the token no longer works.
pub const CLOSE_KICKED: u16 = 4002;
/// Close code for a connection whose token or channel access was refused; the client stops.
pub const CLOSE_UNAUTHORIZED: u16 = 4003;
/// Close code for a connection that published faster than its limit; the client may reconnect
/// after a backoff.
pub const CLOSE_RATE_LIMITED: u16 = 4004;
/// Close code for a connection that read its events too slowly and overflowed its queue; the
/// client may reconnect.
pub const CLOSE_TOO_SLOW: u16 = 4005;
/// Close code for a frame over the size limit (the standard "message too big" code).
pub const CLOSE_TOO_LARGE: u16 = 1009;

/// Returns whether a client that receives close `code` should stop instead of reconnecting.
pub fn close_is_final(code: u16) -> bool {
    matches!(
        code,
        CLOSE_HOST_ENDED | CLOSE_GAME_OVER | CLOSE_KICKED | CLOSE_UNAUTHORIZED
    )
}
/// A client that hears nothing for this many ms treats the connection as dead. It is also the
/// server's default idle timeout (`--idle-timeout-ms`).
pub const CONNECTION_TIMEOUT_MS: u64 = 60_000;

/// A message from client to server.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientMessage {
    /// The first message: authenticates the connection with the session token from the join.
    ConnectionInit { token: String },
    /// Subscribe to `channel` under the client-chosen `id`. A client coming back after a drop
    /// sets `since_seq` to the last sequence number it saw on that channel (with the same
    /// server `epoch`), and the server replays what it missed or sends a snapshot.
    Subscribe {
        id: String,
        channel: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        since_seq: Option<u64>,
    },
    /// End the subscription `id`.
    Unsubscribe { id: String },
    /// Publish `events` to `channel`.
    Publish {
        id: String,
        channel: String,
        events: Vec<serde_json::Value>,
    },
}

/// One error inside an `*_error` message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// A stable machine-readable kind, e.g. `Unauthorized` or `AnswerLate`.
    pub error_type: String,
    pub message: String,
}

impl ErrorBody {
    /// Builds an error body.
    pub fn new(error_type: &str, message: impl Into<String>) -> ErrorBody {
        ErrorBody {
            error_type: error_type.to_string(),
            message: message.into(),
        }
    }
}

/// A message from server to client, apart from `data`, which [`data_frame`] builds.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerMessage {
    ConnectionAck {
        connection_timeout_ms: u64,
        player_id: String,
        name: String,
        /// Identifies this run of the host process. Sequence numbers restart when it changes,
        /// so a client must not send a `since_seq` from another epoch.
        epoch: String,
    },
    ConnectionError {
        errors: Vec<ErrorBody>,
    },
    Ka,
    SubscribeSuccess {
        id: String,
    },
    SubscribeError {
        id: String,
        errors: Vec<ErrorBody>,
    },
    UnsubscribeSuccess {
        id: String,
    },
    UnsubscribeError {
        id: String,
        errors: Vec<ErrorBody>,
    },
    PublishSuccess {
        id: String,
        /// Response time the server measured and scored, in ms.
        elapsed_ms: u64,
    },
    PublishError {
        id: String,
        errors: Vec<ErrorBody>,
    },
    /// A `data` message as clients parse it; the server builds these with [`data_frame`].
    Data {
        id: String,
        seq: u64,
        event: serde_json::Value,
    },
    /// A frame the server could not attribute to an `id` (malformed JSON, unknown type).
    Error {
        errors: Vec<ErrorBody>,
    },
}

impl ServerMessage {
    /// Serializes the message to its JSON text.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("server messages always serialize")
    }
}

/// Builds a `data` frame around an already serialized event, so a broadcast is serialized once
/// and only the subscription id and sequence number differ per subscriber.
pub fn data_frame(subscription_id: &str, seq: u64, event_json: &str) -> String {
    let id = serde_json::to_string(subscription_id).expect("strings always serialize");
    format!(r#"{{"type":"data","id":{id},"seq":{seq},"event":{event_json}}}"#)
}

/// A channel path the game uses.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Channel {
    /// `/game/{code}/questions`: questions and their outcomes, to every player of a game.
    Questions { code: String },
    /// `/game/{code}/answers`: players publish answers here.
    Answers { code: String },
    /// `/game/{code}/players/{player_id}`: one player's private results.
    Player { code: String, player_id: String },
    /// `/game/{code}/announcements`: messages from the host's backends to every player of a
    /// game, published over HTTP with the admin key.
    Announcements { code: String },
}

impl Channel {
    /// Parses a channel path; returns `None` for a path outside the `game` namespace. Game
    /// codes are case-insensitive and come out upper-case, so `path` of the result is the
    /// channel's canonical name.
    pub fn parse(path: &str) -> Option<Channel> {
        let rest = path.strip_prefix("/game/")?;
        let segments: Vec<&str> = rest.split('/').collect();
        let code = |c: &str| c.to_ascii_uppercase();
        match segments.as_slice() {
            [c, "questions"] if !c.is_empty() => Some(Channel::Questions { code: code(c) }),
            [c, "answers"] if !c.is_empty() => Some(Channel::Answers { code: code(c) }),
            [c, "announcements"] if !c.is_empty() => Some(Channel::Announcements { code: code(c) }),
            [c, "players", id] if !c.is_empty() && !id.is_empty() => Some(Channel::Player {
                code: code(c),
                player_id: id.to_string(),
            }),
            _ => None,
        }
    }

    /// Returns the channel's path.
    pub fn path(&self) -> String {
        match self {
            Channel::Questions { code } => format!("/game/{code}/questions"),
            Channel::Answers { code } => format!("/game/{code}/answers"),
            Channel::Player { code, player_id } => format!("/game/{code}/players/{player_id}"),
            Channel::Announcements { code } => format!("/game/{code}/announcements"),
        }
    }
}

/// An event on a game's question channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuestionsEvent {
    /// A question opened. It never contains the correct options.
    Question {
        index: usize,
        total: usize,
        text: String,
        options: Vec<String>,
        time_limit_ms: u64,
        /// Time left when the server sent this event, in ms; clients count down from it.
        remaining_ms: u64,
        points: u32,
        /// Server wall-clock time of sending, in ms since the Unix epoch.
        sent_at_ms: u64,
    },
    /// The question closed; `correct` contains 1-based option numbers, `counts[i]` the answers
    /// for option `i + 1`.
    QuestionClosed {
        index: usize,
        correct: Vec<usize>,
        counts: Vec<usize>,
        sent_at_ms: u64,
    },
    /// The game ended.
    GameOver { players: usize, sent_at_ms: u64 },
}

/// An event on a player's private channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayerChannelEvent {
    /// This player's result for question `index`.
    Result {
        index: usize,
        correct: bool,
        /// 1-based option number the player chose, if it answered.
        option: Option<usize>,
        points: u64,
        score: u64,
        rank: u32,
        players: usize,
        streak: u32,
        sent_at_ms: u64,
    },
    /// This player's standing, sent on every subscribe to the private channel without
    /// `since_seq`, and when the server cannot replay what a returning client missed.
    Snapshot {
        score: u64,
        rank: u32,
        players: usize,
        streak: u32,
        correct: u32,
        /// Index of the open question if this player has already answered it.
        answered: Option<usize>,
        sent_at_ms: u64,
    },
    /// This player's final standing.
    Final {
        rank: u32,
        score: u64,
        correct: u32,
        players: usize,
        sent_at_ms: u64,
    },
}

/// An event on a game's announcement channel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AnnouncementEvent {
    /// A message for every player of the game.
    Announcement {
        text: String,
        /// Server wall-clock time of publishing, in ms since the Unix epoch.
        sent_at_ms: u64,
    },
}

/// Returns a readable sentence for a WebSocket close with `code` and the server's `reason`,
/// for players' screens.
pub fn close_message(code: u16, reason: &str) -> String {
    let what = match code {
        CLOSE_HOST_ENDED => "The host is shutting down",
        CLOSE_GAME_OVER => "The game is over",
        CLOSE_KICKED => "The host removed you from the game",
        CLOSE_UNAUTHORIZED => "The host rejected this session",
        CLOSE_RATE_LIMITED => "The host closed the connection because it sent too much too fast",
        CLOSE_TOO_SLOW => "The host closed the connection because it read messages too slowly",
        CLOSE_TOO_LARGE => "The host closed the connection because a message was too large",
        _ => "The host closed the connection",
    };
    // The server's reason for 4000 and 4001 repeats the code's meaning.
    if reason.is_empty() || reason.eq_ignore_ascii_case(what) {
        format!("{what}.")
    } else {
        format!("{what}: {reason}.")
    }
}

/// The event a player publishes on the answer channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerEvent {
    /// 0-based question index the answer is for.
    pub index: usize,
    /// 1-based option number.
    pub option: usize,
}

/// Returns the wall-clock time in ms since the Unix epoch.
pub fn unix_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_paths_round_trip() {
        for path in [
            "/game/K7Q2/questions",
            "/game/K7Q2/answers",
            "/game/K7Q2/players/abc",
            "/game/K7Q2/announcements",
        ] {
            assert_eq!(Channel::parse(path).unwrap().path(), path);
        }
    }

    #[test]
    fn codes_canonical_upper_case() {
        let channel = Channel::parse("/game/k7q2/players/abC").unwrap();
        assert_eq!(channel.path(), "/game/K7Q2/players/abC");
    }

    #[test]
    fn foreign_paths_rejected() {
        for path in [
            "/chat/K7Q2/questions",
            "/game//questions",
            "/game/K7Q2/players/",
            "/game/K7Q2/questions/extra",
            "game/K7Q2/answers",
        ] {
            assert_eq!(Channel::parse(path), None, "{path}");
        }
    }

    #[test]
    fn data_frame_parses_as_data_message() {
        let event = serde_json::json!({"kind": "game_over", "players": 3, "sent_at_ms": 1});
        let frame = data_frame("sub\"1", 7, &event.to_string());
        let parsed: ServerMessage = serde_json::from_str(&frame).unwrap();
        assert_eq!(
            parsed,
            ServerMessage::Data {
                id: "sub\"1".into(),
                seq: 7,
                event
            }
        );
    }

    #[test]
    fn close_messages_readable() {
        assert_eq!(
            close_message(CLOSE_KICKED, "spam"),
            "The host removed you from the game: spam."
        );
        assert_eq!(
            close_message(CLOSE_HOST_ENDED, "the host is shutting down"),
            "The host is shutting down."
        );
        assert_eq!(
            close_message(CLOSE_GAME_OVER, "the game is over"),
            "The game is over."
        );
        assert_eq!(close_message(4999, ""), "The host closed the connection.");
        for code in [
            CLOSE_UNAUTHORIZED,
            CLOSE_RATE_LIMITED,
            CLOSE_TOO_SLOW,
            CLOSE_TOO_LARGE,
        ] {
            assert_ne!(close_message(code, ""), close_message(4999, ""), "{code}");
        }
    }

    #[test]
    fn client_message_tags() {
        let message: ClientMessage =
            serde_json::from_str(r#"{"type":"connection_init","token":"t"}"#).unwrap();
        assert_eq!(message, ClientMessage::ConnectionInit { token: "t".into() });
    }
}
