//! The player role: join, play over one WebSocket, and report to a front end.

pub mod answers;
mod connection;
pub mod events;
pub mod headless;
pub mod join;
pub mod memory;
pub mod probe;
pub mod reconnect;
pub mod session;

use std::time::Duration;

/// Why a player session failed. Messages say what to do next.
#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error(
        "invalid join URL {url:?}: {why}; use the URL the host shows, like http://HOST:PORT/join/CODE"
    )]
    InvalidUrl { url: String, why: String },
    #[error("no game with code {code:?} at {base}; check the code on the host's screen")]
    GameNotFound { code: String, base: String },
    #[error("the host rejected the join ({status}): {message}")]
    Rejected {
        status: u16,
        /// The `error_type` of the host's JSON error, such as `NicknameTaken`.
        error_type: String,
        message: String,
    },
    #[error(
        "gave up joining after {:.1} s and {attempts} attempts: {last}",
        after.as_secs_f64()
    )]
    GaveUp {
        after: Duration,
        attempts: u32,
        last: String,
    },
    #[error("cannot open the game connection at {url}: {why}")]
    Connect { url: String, why: String },
    #[error("lost the connection to the host: {0}")]
    ConnectionLost(String),
    #[error(
        "the host no longer accepts this player's session ({0}); it may have restarted without --resume; run quizcast play with the join URL again to join"
    )]
    SessionRejected(String),
    #[error("the host is shutting down, so the game has ended")]
    HostEnded,
    /// The host closed the connection with a final close code other than
    /// [`CLOSE_HOST_ENDED`](crate::protocol::CLOSE_HOST_ENDED).
    #[error("{message}")]
    Closed { code: u16, message: String },
    #[error(
        "lost the connection to the host and could not reconnect within {:.0} s ({attempts} attempts): {last}; check that the host is running, then run quizcast play again to rejoin",
        after.as_secs_f64()
    )]
    ReconnectGaveUp {
        after: Duration,
        attempts: u32,
        last: String,
    },
    #[error("unexpected message from the host: {0}")]
    Protocol(String),
}

/// Returns a new random player id: 128 bits as hex.
pub fn new_player_id() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}
