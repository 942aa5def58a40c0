//! Messages between the game actor and the host's front end (TUI or headless).
//!
//! The actor sends [`HostEvent`]s and the front end renders or prints them; the front end sends
//! [`HostCommand`]s back. Option numbers inside these types are 0-based indexes into
//! `options`; the headless printer converts them to the 1-based numbers users see.

use std::time::Instant;

use serde::Serialize;

/// One line of a leaderboard or of the final results.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Standing {
    /// Competition rank: players with equal scores share a rank ("1, 2, 2, 4").
    pub rank: u32,
    pub name: String,
    pub score: u64,
    /// Number of questions this player answered correctly.
    pub correct: u32,
}

/// A question as the host screen shows it, including nothing players may not see.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInfo {
    /// 0-based position in the bank.
    pub index: usize,
    pub total: usize,
    pub text: String,
    pub options: Vec<String>,
    /// Time limit in whole seconds.
    pub time_limit_secs: u32,
    pub points: u32,
}

/// Something that happened in the game, for the host's screen or its JSON output.
#[derive(Debug, Clone, PartialEq)]
pub enum HostEvent {
    /// The server is accepting players at `join_url`.
    Listening {
        join_url: String,
        code: String,
        title: String,
        questions: usize,
        /// The admin key when the host generated it, so it is shown once; `None` when it was
        /// configured, because the operator knows it and a projected lobby must not show it.
        admin_key: Option<String>,
    },
    /// A new player was admitted; `players` is the count after this one.
    PlayerJoined { name: String, players: usize },
    /// The host removed the player `name` for the rest of the game.
    PlayerKicked { name: String },
    /// A question was broadcast and its timer started.
    QuestionStarted {
        question: QuestionInfo,
        /// When the server stops accepting answers.
        deadline: Instant,
        /// Players connected when the question opened.
        connected: usize,
    },
    /// An answer was accepted: `answered` answers so far out of `connected` connected players.
    AnswerReceived { answered: usize, connected: usize },
    /// The current top 5, sent while answers arrive (at most a few times a second) and after
    /// each question.
    Leaderboard { top: Vec<Standing> },
    /// The question closed: `correct` lists the right options, `counts[i]` the answers for
    /// option `i`.
    QuestionClosed {
        index: usize,
        correct: Vec<usize>,
        counts: Vec<usize>,
        answered: usize,
        top: Vec<Standing>,
        /// Whether another question follows.
        more: bool,
    },
    /// The game ended; `results` contains every player, best first.
    GameOver { results: Vec<Standing> },
    /// The database could not store something; the game goes on.
    StoreError { message: String },
}

/// A request from the host's front end to the game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostCommand {
    /// Start the game from the lobby, or move on after a question closed.
    Advance,
    /// Close the open question now instead of waiting for its timer.
    CloseQuestion,
    /// Remove the player `name` for the rest of the game, telling it `reason`.
    Kick { name: String, reason: String },
    /// End the game and stop the server.
    Quit,
}
