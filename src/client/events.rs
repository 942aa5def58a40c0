//! Messages between a player's network session and its front end (TUI or headless).
//!
//! Option numbers here are 0-based indexes into `options`.

use std::time::{Duration, Instant};

/// Something the player's front end shows or prints.
#[derive(Debug, Clone, PartialEq)]
pub enum PlayerEvent {
    /// The host answered 429 (or was unreachable) and the client waits `wait` before retry
    /// number `attempt`.
    Retrying {
        /// HTTP status, or 0 when the host could not be reached.
        status: u16,
        attempt: u32,
        wait: Duration,
    },
    /// The player was admitted and the WebSocket session is up.
    Joined {
        name: String,
        player_id: String,
        title: String,
        code: String,
    },
    /// A question opened. `deadline` is the local instant matching the server's deadline.
    Question {
        index: usize,
        total: usize,
        text: String,
        options: Vec<String>,
        deadline: Instant,
        time_limit_secs: u32,
        points: u32,
    },
    /// The server accepted this player's answer, received `elapsed_ms` after the question
    /// opened.
    Answered {
        index: usize,
        option: usize,
        elapsed_ms: u64,
    },
    /// The server rejected this player's answer; `reason` is its message.
    AnswerRejected { index: usize, reason: String },
    /// The question closed; `correct` lists the right options.
    QuestionClosed {
        index: usize,
        correct: Vec<usize>,
        counts: Vec<usize>,
    },
    /// This player's own result for question `index`.
    Result {
        index: usize,
        correct: bool,
        points: u64,
        score: u64,
        rank: u32,
        players: usize,
        streak: u32,
    },
    /// The connection to the host dropped and the session waits `wait` before reconnect
    /// attempt number `attempt` (1 for the first). `reason` is why the connection dropped or
    /// why the last attempt failed.
    Reconnecting {
        attempt: u32,
        wait: Duration,
        reason: String,
    },
    /// The session reconnected and resubscribed; events missed while away follow.
    Reconnected,
    /// This player's standing, sent by the host when a subscription cannot replay what was
    /// missed or starts after the game started.
    Standing {
        score: u64,
        rank: u32,
        players: usize,
        streak: u32,
        /// Index of the open question if the host already has this player's answer to it.
        answered: Option<usize>,
    },
    /// A message the host's backend published to every player of the game.
    Announcement { text: String },
    /// The host closed the connection with a close code after which the session stops
    /// (kicked, game over, host shutting down, unauthorized); `message` is readable.
    Closed { code: u16, message: String },
    /// The game ended.
    GameOver {
        rank: u32,
        score: u64,
        players: usize,
    },
}

/// A request from the player's front end to the session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlayerCommand {
    /// Answer question `index` with option `option` (0-based).
    Answer { index: usize, option: usize },
}
