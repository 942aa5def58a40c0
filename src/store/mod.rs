//! Persistence: games, the question bank they use, players, every accepted answer and the
//! results, in an embedded SQLite database.
//!
//! One writer thread owns the connection. The game actor sends it [`Record`]s, each with an
//! optional callback; the writer applies everything queued in one transaction (a group commit)
//! and only then runs the callbacks, in order. The actor routes every message to players
//! through these callbacks, so an acknowledgement is sent only after its answer is on disk, and
//! events still reach players in the order the actor produced them. [`Store::disabled`] runs the
//! callbacks at once, for hosts and tests without a database.

mod load;
mod schema;

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use rusqlite::{Connection, ErrorCode};

pub use load::{SavedGame, SavedPhase, SavedPlayer, check_new_code, load};

/// Most records applied in one transaction.
const MAX_BATCH: usize = 8192;
/// Minimum time between two store errors reported to the host's screen.
const ERROR_REPORT_INTERVAL: Duration = Duration::from_secs(10);

/// Something to store.
#[derive(Debug, Clone)]
pub enum Record {
    /// A new game and a snapshot of its question bank (JSON).
    Game {
        code: String,
        title: String,
        bank_json: String,
    },
    /// A player admitted to a game.
    Player {
        code: String,
        player_id: String,
        name: String,
        token: String,
        position: usize,
    },
    /// Question `index` opened.
    Opened { code: String, index: usize },
    /// The host kicked a player for the rest of the game.
    Kicked {
        code: String,
        player_id: String,
        reason: String,
    },
    /// An accepted answer, with the player's totals after it.
    Answer {
        /// Server wall-clock time the answer was received, in ms since the Unix epoch.
        received_at_ms: u64,
        code: String,
        index: usize,
        player_id: String,
        option: usize,
        elapsed_ms: u64,
        correct: bool,
        points: u64,
        totals: Totals,
    },
    /// Question `index` closed; `streaks` are the streaks after the close of the players whose
    /// streak changed without an answer record, by id.
    Closed {
        code: String,
        index: usize,
        streaks: Vec<(String, u32)>,
    },
    /// The game ended with these results: (player id, rank, name, score, correct).
    Finished {
        code: String,
        results: Vec<(String, u32, String, u64, u32)>,
    },
}

/// A player's running totals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Totals {
    pub score: u64,
    pub streak: u32,
    pub correct: u32,
}

/// Runs after the records queued before it are committed (or failed to commit).
pub type Callback = Box<dyn FnOnce() + Send>;

struct Op {
    record: Option<Record>,
    then: Option<Callback>,
}

/// A failure to open, read or write the database.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "database {file} is locked by another process; stop the other quizcast host or choose another file with --db"
    )]
    Locked { file: String },
    #[error("database {file} is read-only; fix its permissions or choose another file with --db")]
    ReadOnly { file: String },
    #[error(
        "database {file} is corrupt or not a quizcast database; move it away or choose another file with --db"
    )]
    Corrupt { file: String },
    #[error("database {file}: the disk is full; free space or choose another file with --db")]
    Full { file: String },
    #[error("database {file}: {message}")]
    Other { file: String, message: String },
    #[error("no game {code:?} in database {file}; unfinished games there: {unfinished}")]
    NoSuchGame {
        file: String,
        code: String,
        /// Codes of the unfinished games, or "none".
        unfinished: String,
    },
    #[error(
        "no unfinished game in database {file}; start a new game without --resume, or pass the --db the game was hosted with"
    )]
    NothingToResume { file: String },
    #[error("game {code} in database {file} has already finished; start a new game")]
    Finished { file: String, code: String },
    #[error(
        "game {code} already exists in database {file}; resume it with --resume {code} or choose another --code"
    )]
    CodeTaken { file: String, code: String },
}

impl StoreError {
    /// Classifies a SQLite error on `file`.
    pub fn from_sqlite(file: &Path, error: rusqlite::Error) -> StoreError {
        let file = file.display().to_string();
        match error.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                StoreError::Locked { file }
            }
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly { file },
            Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => {
                StoreError::Corrupt { file }
            }
            Some(ErrorCode::DiskFull) => StoreError::Full { file },
            Some(ErrorCode::CannotOpen) => StoreError::Other {
                file,
                message: format!("{error}; check that its directory exists and is writable"),
            },
            _ => StoreError::Other {
                file,
                message: error.to_string(),
            },
        }
    }
}

/// A handle to the writer thread; cheap to clone.
#[derive(Clone)]
pub struct Store {
    tx: Option<mpsc::Sender<Op>>,
}

impl Store {
    /// Returns a store that keeps nothing and runs callbacks at once.
    pub fn disabled() -> Store {
        Store { tx: None }
    }

    /// Opens (creating if needed) the database at `path` and starts the writer thread.
    /// `on_error` receives a message whenever a commit fails, at most every 10 s.
    pub fn open(
        path: &Path,
        on_error: impl Fn(String) + Send + 'static,
    ) -> Result<Store, StoreError> {
        let connection = schema::open(path)?;
        let (tx, rx) = mpsc::channel();
        let file = path.to_path_buf();
        std::thread::Builder::new()
            .name("quizcast-store".into())
            .spawn(move || write_loop(connection, file, rx, on_error))
            .map_err(|e| StoreError::Other {
                file: path.display().to_string(),
                message: format!("cannot start the writer thread: {e}"),
            })?;
        Ok(Store { tx: Some(tx) })
    }

    /// Queues `record` and runs `then` once it is committed (or once the commit failed, which
    /// is reported separately), after every earlier callback.
    pub fn write(&self, record: Option<Record>, then: Option<Callback>) {
        let Some(tx) = &self.tx else {
            if let Some(then) = then {
                then();
            }
            return;
        };
        if let Err(mpsc::SendError(op)) = tx.send(Op { record, then }) {
            // The writer thread is gone (it only stops when every handle is dropped, or
            // panicked); the game goes on without storing.
            tracing::error!("the database writer has stopped; not stored");
            if let Some(then) = op.then {
                then();
            }
        }
    }

    /// Reports whether records are kept.
    pub fn is_enabled(&self) -> bool {
        self.tx.is_some()
    }
}

/// Returns the default database path: `quizcast.db` in the user's data directory.
pub fn default_path() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "quizcast")
        .map(|dirs| dirs.data_local_dir().join("quizcast.db"))
}

fn write_loop(
    mut connection: Connection,
    file: PathBuf,
    rx: mpsc::Receiver<Op>,
    on_error: impl Fn(String),
) {
    let mut last_report: Option<Instant> = None;
    let mut failed_batches = 0u64;
    while let Ok(first) = rx.recv() {
        // Take everything queued meanwhile: one commit for the whole batch.
        let mut batch = vec![first];
        while batch.len() < MAX_BATCH {
            match rx.try_recv() {
                Ok(op) => batch.push(op),
                Err(_) => break,
            }
        }

        if let Err(e) = schema::apply(
            &mut connection,
            batch.iter().filter_map(|op| op.record.as_ref()),
        ) {
            failed_batches += 1;
            let error = StoreError::from_sqlite(&file, e);
            tracing::error!(error = %error, records = batch.len(), "database write failed; the game goes on without storing these");
            let due = last_report.is_none_or(|at| at.elapsed() >= ERROR_REPORT_INTERVAL);
            if due {
                last_report = Some(Instant::now());
                on_error(format!(
                    "NOT SAVED: {error} ({failed_batches} failed writes so far)"
                ));
            }
        }
        for op in batch {
            if let Some(then) = op.then {
                then();
            }
        }
    }
}

/// Returns the wall-clock time in ms since the Unix epoch, for stored timestamps.
fn now_ms() -> i64 {
    crate::protocol::unix_ms() as i64
}

#[cfg(test)]
mod tests;
