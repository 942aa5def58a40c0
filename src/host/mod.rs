//! The host role: a game actor per game, the server around it, and its front ends.
//!
//! [`start`] binds the listener, starts the game actor and the server, and returns a
//! [`RunningHost`] whose event stream a front end (the TUI or [`headless`]) consumes. Tests use
//! the same function with `127.0.0.1:0`.

pub mod actor;
pub mod address;
pub mod events;
pub mod headless;

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use rand::RngExt;
use tokio::net::{TcpListener, TcpSocket};
use tokio::sync::{mpsc, oneshot};
use tokio::task::JoinHandle;

use crate::bank::Bank;
use crate::game::Game;
use crate::server::registry::Session;
use crate::server::{self, AppState, hub::Hub};
use crate::store::{self, Record, SavedGame, SavedPhase, Store, StoreError};
use actor::Automation;
use events::{HostCommand, HostEvent, QuestionInfo, Standing};

/// Letters and digits of generated game codes, without the look-alikes 0/O and 1/I.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
/// Length of a generated game code.
const CODE_LEN: usize = 4;

/// Everything `start` needs.
#[derive(Debug, Clone)]
pub struct HostOptions {
    pub bank: Bank,
    pub bind: SocketAddr,
    /// Base URL players use, overriding the address detection.
    pub public_url: Option<String>,
    /// Game code; generated when `None`.
    pub code: Option<String>,
    /// Admissions per second at the join endpoints.
    pub join_rate: NonZeroU32,
    pub automation: Automation,
    /// File the final results are written to as JSON.
    pub results: Option<PathBuf>,
    /// SQLite database that keeps the game; `None` keeps nothing.
    pub db: Option<PathBuf>,
    /// Resume a game from `db` instead of starting one: `Some(None)` for the most recent
    /// unfinished game, `Some(Some(code))` for that game.
    pub resume: Option<Option<String>>,
    /// Admin API key; a random one is generated when `None`.
    pub admin_key: Option<String>,
    /// Limits on message sizes, rates, connections and timeouts.
    pub limits: server::limits::Limits,
}

/// A failure to start the host.
#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("cannot listen on {addr}: {source}; choose another address or port with --bind")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("invalid game code {0:?}; use 3 to 12 ASCII letters or digits")]
    Code(String),
    #[error(
        "invalid --public-url {url:?}: {why}; give scheme, host and port, like http://quiz.example.org:8080"
    )]
    PublicUrl { url: String, why: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("--resume needs the database the game was hosted with; pass --db FILE")]
    ResumeNeedsDb,
    #[error("invalid limits: {0}")]
    Limits(String),
    #[error(
        "the admin key is too short ({0} characters); use at least {MIN_ADMIN_KEY_LEN}, for example 32 random hex digits"
    )]
    AdminKey(usize),
    #[error(
        "the admin key is invalid because an HTTP header cannot carry it unchanged; use printable ASCII with no leading or trailing spaces, for example 32 random hex digits"
    )]
    AdminKeyCharacters,
}

/// Most games one host process runs, its own included. Each game keeps its actor, players
/// and channels until the host exits.
pub const MAX_GAMES: usize = 100;

/// Minimum length of an admin key from `--admin-key`, in characters.
pub const MIN_ADMIN_KEY_LEN: usize = 16;

/// A failure to create a game through the admin API.
#[derive(Debug, thiserror::Error)]
pub enum CreateError {
    #[error(transparent)]
    Code(HostError),
    #[error("a game with code {0:?} already exists; choose another code or leave it out")]
    CodeTaken(String),
    #[error(
        "this host already runs {0} games, its limit; restart the host to start over, or run another host"
    )]
    TooMany(usize),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A host whose server and game are running.
pub struct RunningHost {
    /// Address the server listens on.
    pub addr: SocketAddr,
    pub code: String,
    pub join_url: String,
    /// Bearer key of the admin API.
    pub admin_key: String,
    pub state: Arc<AppState>,
    /// Game events for the front end, with the results file already written on game over.
    pub events: mpsc::UnboundedReceiver<HostEvent>,
    pub commands: mpsc::UnboundedSender<HostCommand>,
    shutdown: Option<oneshot::Sender<()>>,
    server: JoinHandle<std::io::Result<()>>,
    actor: JoinHandle<()>,
}

impl RunningHost {
    /// Waits until no player connection is open or `limit` passes, so that the last messages
    /// reach players before the process exits.
    pub async fn drain(&self, limit: Duration) {
        let mut connections = self.state.connections();
        let _ = tokio::time::timeout(limit, connections.wait_for(|n| *n == 0)).await;
    }

    /// Tells every connected player of every game that the host is shutting down, so their
    /// clients stop instead of reconnecting, and waits up to `limit` for them to leave.
    pub async fn end_sessions(&self, limit: Duration) {
        // The registry has every authenticated connection, subscribed or not.
        self.state.registry.close_all(
            crate::protocol::CLOSE_HOST_ENDED,
            "the host is shutting down",
        );
        self.drain(limit).await;
    }

    /// Stops the game and the server.
    pub async fn stop(mut self) {
        let _ = self.commands.send(HostCommand::Quit);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        let _ = self.actor.await;
        // Upgraded WebSocket connections do not end with graceful shutdown; the server task is
        // aborted once the listener has stopped accepting.
        self.server.abort();
    }
}

/// Binds the listener and starts the server and the game (a new one, or one resumed from the
/// database).
pub async fn start(options: HostOptions) -> Result<RunningHost, HostError> {
    options.limits.validate().map_err(HostError::Limits)?;
    let (game, saved) = prepare_game(&options)?;
    let code = game.code().to_string();
    let listener = listen(options.bind).map_err(|source| HostError::Bind {
        addr: options.bind,
        source,
    })?;
    let addr = listener.local_addr().map_err(|source| HostError::Bind {
        addr: options.bind,
        source,
    })?;
    let public_base = match &options.public_url {
        Some(url) => address::check_public_url(url)?,
        None => address::public_base(addr),
    };

    let admin_key = match &options.admin_key {
        Some(key) if key.len() < MIN_ADMIN_KEY_LEN => return Err(HostError::AdminKey(key.len())),
        Some(key) if !is_sendable_key(key) => return Err(HostError::AdminKeyCharacters),
        Some(key) => key.clone(),
        None => new_admin_key(),
    };

    let hub = Arc::new(Hub::default());
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let (actor_events_tx, actor_events_rx) = mpsc::unbounded_channel();
    let store = open_store(&options, &game, saved.as_ref(), actor_events_tx.clone())?;
    let mut app = AppState::new(
        public_base,
        options.join_rate,
        hub.clone(),
        &admin_key,
        options.limits.clone(),
    );
    // Games created through the admin API share the writer thread and the database file.
    app.store = store.clone();
    app.db = options.db.clone();
    let state = Arc::new(app);
    for player in game.players().iter().enumerate() {
        let (index, player) = player;
        // A player kicked before the restart stays out of the resumed game.
        if let Some(reason) = &player.kicked {
            state.registry.revoke_token(&player.token, reason);
            continue;
        }
        state.registry.add_session(
            player.token.clone(),
            Session {
                code: code.clone(),
                player: index,
                player_id: player.id.clone(),
                name: player.name.clone(),
            },
        );
    }
    let bank = game.bank().clone();
    let resumed = saved
        .is_some()
        .then(|| resumed_events(&game, saved.as_ref()));
    let (handle, actor) = actor::spawn(
        game,
        hub,
        state.registry.clone(),
        store,
        options.automation,
        commands_rx,
        actor_events_tx.clone(),
    );
    state.registry.add_game(handle);

    let join_url = state.join_url(&code);
    let _ = actor_events_tx.send(HostEvent::Listening {
        join_url: join_url.clone(),
        code: code.clone(),
        title: bank.title.clone(),
        questions: bank.questions.len(),
        admin_key: options.admin_key.is_none().then(|| admin_key.clone()),
    });
    for event in resumed.into_iter().flatten() {
        let _ = actor_events_tx.send(event);
    }
    drop(actor_events_tx);
    let events = tee_results(actor_events_rx, options.results);

    let (shutdown_tx, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(server::serve(listener, state.clone(), async {
        let _ = shutdown_rx.await;
    }));
    tracing::info!(%addr, %join_url, game.code = %code, "host listening");
    Ok(RunningHost {
        addr,
        code,
        join_url,
        admin_key,
        state,
        events,
        commands: commands_tx,
        shutdown: Some(shutdown_tx),
        server,
        actor,
    })
}

/// Creates a game from `bank` beside the host's own and starts its actor, for the admin API.
/// The game has no front end: the API drives it, and its events go to the log.
pub fn create_game(
    state: &Arc<AppState>,
    bank: Bank,
    code: Option<&str>,
) -> Result<actor::GameHandle, CreateError> {
    // Games are never freed while the host runs, so their number is capped.
    if state.registry.games().len() >= MAX_GAMES {
        return Err(CreateError::TooMany(MAX_GAMES));
    }
    let code = match code {
        Some(code) => {
            let code = check_code(code).map_err(CreateError::Code)?;
            if state.registry.game(&code).is_some() {
                return Err(CreateError::CodeTaken(code));
            }
            if let Some(db) = &state.db {
                store::check_new_code(db, &code)?;
            }
            code
        }
        None => unused_code(state),
    };

    let game = Game::new(code.clone(), Arc::new(bank));
    let bank_json = serde_json::to_string(&**game.bank()).expect("banks always serialize");
    let record = Record::Game {
        code: code.clone(),
        title: game.bank().title.clone(),
        bank_json,
    };

    let (events_tx, events_rx) = mpsc::unbounded_channel();
    let (_host_commands_tx, host_commands_rx) = mpsc::unbounded_channel();
    let (handle, _actor) = actor::spawn(
        game,
        state.hub.clone(),
        state.registry.clone(),
        state.store.clone(),
        Automation::default(),
        host_commands_rx,
        events_tx,
    );
    // Two requests for the same code may both get here; the registry admits one, and the
    // other's actor stops once its handle is dropped.
    if !state.registry.try_add_game(handle.clone()) {
        return Err(CreateError::CodeTaken(code));
    }
    state.store.write(Some(record), None);
    tokio::spawn(log_events(code.clone(), events_rx));
    tracing::info!(game.code = %code, title = %handle.title, "game created through the admin API");
    Ok(handle)
}

/// Logs the events of a game that has no front end.
async fn log_events(code: String, mut events: mpsc::UnboundedReceiver<HostEvent>) {
    while let Some(event) = events.recv().await {
        match event {
            HostEvent::GameOver { results } => {
                tracing::info!(game.code = %code, players = results.len(), "game over");
            }
            HostEvent::StoreError { message } => {
                tracing::error!(game.code = %code, error = %message, "cannot store the game");
            }
            _ => {}
        }
    }
}

/// Returns a generated code that no game of this host, running or stored, uses.
fn unused_code(state: &AppState) -> String {
    // With at most MAX_GAMES games among the 4-character codes, a random code is nearly
    // always free; each miss costs one more draw.
    loop {
        let code = new_code();
        let stored = state.db.as_ref().is_some_and(|db| {
            matches!(
                store::check_new_code(db, &code),
                Err(StoreError::CodeTaken { .. })
            )
        });
        if state.registry.game(&code).is_none() && !stored {
            return code;
        }
    }
}

/// Reports whether `key` arrives unchanged in `Authorization: Bearer KEY`. Header values other
/// than printable ASCII fail to decode, and the server trims the whitespace around the token.
fn is_sendable_key(key: &str) -> bool {
    let printable = key.bytes().all(|b| b == b' ' || b.is_ascii_graphic());
    printable && key.trim() == key
}

/// Returns a new admin key: 128 random bits as hex.
fn new_admin_key() -> String {
    let bits: u128 = rand::random();
    format!("{bits:032x}")
}

/// Builds the game: new, or read back from the database for `--resume`.
fn prepare_game(options: &HostOptions) -> Result<(Game, Option<SavedGame>), HostError> {
    let Some(resume) = &options.resume else {
        let code = match &options.code {
            Some(code) => check_code(code)?,
            None => new_code(),
        };
        if let Some(db) = &options.db {
            store::check_new_code(db, &code)?;
        }
        return Ok((Game::new(code, Arc::new(options.bank.clone())), None));
    };
    let db = options.db.as_ref().ok_or(HostError::ResumeNeedsDb)?;
    let saved = store::load(db, resume.as_deref())?;
    let game = Game::restore(&saved);
    tracing::info!(
        game.code = %saved.code,
        players = saved.players.len(),
        phase = ?saved.phase,
        "resuming game from the database"
    );
    Ok((game, Some(saved)))
}

/// Opens the database (when one is configured) and records the new game, or the close of the
/// question a resumed game had open.
fn open_store(
    options: &HostOptions,
    game: &Game,
    saved: Option<&SavedGame>,
    events: mpsc::UnboundedSender<HostEvent>,
) -> Result<Store, HostError> {
    let Some(db) = &options.db else {
        return Ok(Store::disabled());
    };
    let store = Store::open(db, move |message| {
        let _ = events.send(HostEvent::StoreError { message });
    })?;
    let code = game.code().to_string();
    match saved {
        None => {
            let bank_json = serde_json::to_string(&**game.bank()).expect("banks always serialize");
            let record = Record::Game {
                code,
                title: game.bank().title.clone(),
                bank_json,
            };
            store.write(Some(record), None);
        }
        Some(SavedGame {
            phase: SavedPhase::Open { index },
            ..
        }) => {
            // The open question is closed without penalty: streaks stay as they were.
            let streaks = game
                .players()
                .iter()
                .map(|p| (p.id.clone(), p.streak))
                .collect();
            let record = Record::Closed {
                code,
                index: *index,
                streaks,
            };
            store.write(Some(record), None);
        }
        Some(_) => {}
    }
    Ok(store)
}

/// Returns the events that show a resumed game on the host's screen: its players, then its last
/// question (already past its deadline) and that question's close.
fn resumed_events(game: &Game, saved: Option<&SavedGame>) -> Vec<HostEvent> {
    let Some(saved) = saved else {
        return Vec::new();
    };
    let mut events: Vec<HostEvent> = game
        .players()
        .iter()
        .enumerate()
        .map(|(i, p)| HostEvent::PlayerJoined {
            name: p.name.clone(),
            players: i + 1,
        })
        .collect();
    let index = match saved.phase {
        SavedPhase::Lobby => return events,
        SavedPhase::Open { index } | SavedPhase::Closed { index } => index,
    };
    let question = game.question(index);
    let started = HostEvent::QuestionStarted {
        question: QuestionInfo {
            index,
            total: game.bank().questions.len(),
            text: question.text.clone(),
            options: question.options.clone(),
            time_limit_secs: question.time_limit_secs,
            points: question.points,
        },
        deadline: std::time::Instant::now(),
        connected: 0,
    };
    let closed = HostEvent::QuestionClosed {
        index,
        correct: game.question(index).correct.clone(),
        counts: saved.counts.clone(),
        answered: saved.answered.len(),
        top: game.top(actor::TOP),
        more: index + 1 < game.bank().questions.len(),
    };
    events.push(started);
    events.push(closed);
    events
}

/// Pending connections the kernel queues before accept, so a join storm of thousands of
/// simultaneous connects is not dropped at the door (Linux caps it at `net.core.somaxconn`).
const LISTEN_BACKLOG: u32 = 4096;

/// Binds a listener with a backlog sized for join storms.
fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        TcpSocket::new_v4()?
    } else {
        TcpSocket::new_v6()?
    };
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Forwards game events, writing the results file when the game ends.
fn tee_results(
    mut events: mpsc::UnboundedReceiver<HostEvent>,
    results: Option<PathBuf>,
) -> mpsc::UnboundedReceiver<HostEvent> {
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let (HostEvent::GameOver { results: standings }, Some(path)) = (&event, &results)
                && let Err(e) = write_results(path, standings)
            {
                tracing::error!(file = %path.display(), error = %e, "cannot write the results file");
                eprintln!("error: cannot write results to {}: {e}", path.display());
            }
            if tx.send(event).is_err() {
                break;
            }
        }
    });
    rx
}

/// Writes the final standings as a JSON array, through a temporary file so a crash never
/// leaves a half-written file.
pub fn write_results(path: &Path, results: &[Standing]) -> std::io::Result<()> {
    let json = serde_json::to_string_pretty(results).expect("standings always serialize");
    let temporary = path.with_extension("json.tmp");
    std::fs::write(&temporary, json + "\n")?;
    std::fs::rename(&temporary, path)
}

fn check_code(code: &str) -> Result<String, HostError> {
    let code = code.trim().to_ascii_uppercase();
    let valid = (3..=12).contains(&code.len()) && code.bytes().all(|b| b.is_ascii_alphanumeric());
    if valid {
        Ok(code)
    } else {
        Err(HostError::Code(code))
    }
}

fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN)
        .map(|_| CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())] as char)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_checked_and_upper_cased() {
        assert_eq!(check_code("k7q2").unwrap(), "K7Q2");
        assert!(check_code("ab").is_err());
        assert!(check_code("a/b/c").is_err());
    }

    #[test]
    fn generated_codes_use_alphabet() {
        let code = new_code();
        assert_eq!(code.len(), CODE_LEN);
        assert!(code.bytes().all(|b| CODE_ALPHABET.contains(&b)));
    }
}
