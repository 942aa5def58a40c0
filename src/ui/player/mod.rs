//! The player's terminal screen: nickname prompt, joining, questions, results and final rank.

mod nickname;
mod question;
mod result;
mod state;
mod view;
mod waiting;

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod state_tests;

use std::future::pending;
use std::io;
use std::time::{Duration, Instant};

use crossterm::event::EventStream;
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::task::{JoinError, JoinHandle};
use tokio::time::MissedTickBehavior;

pub use nickname::capitalize;
pub use state::{PlayerAction, PlayerState, Screen};
pub use view::PlayerView;

use crate::client::events::{PlayerCommand, PlayerEvent};
use crate::ui::frame::key_press;

/// Redraw period while nothing else happens, so the countdown moves.
const TICK: Duration = Duration::from_millis(100);

/// The channels of a running network session, returned by the `connect` callback of [`run`].
pub struct PlayerChannels {
    /// Events from the session.
    pub events: UnboundedReceiver<PlayerEvent>,
    /// Commands to the session.
    pub commands: UnboundedSender<PlayerCommand>,
    /// Resolves when the network session ends: Ok on a finished game, Err otherwise.
    pub done: JoinHandle<Result<(), SessionFailure>>,
}

/// The reason a network session ended before the game did.
#[derive(Debug)]
pub struct SessionFailure {
    /// The message shown to the player.
    pub message: String,
    /// Whether the host rejected the nickname (invalid or taken), so the player may type another.
    pub name_refused: bool,
}

impl From<String> for SessionFailure {
    fn from(message: String) -> Self {
        SessionFailure {
            message,
            name_refused: false,
        }
    }
}

/// Runs the player screen until the player leaves or the session fails.
///
/// Asks for a nickname first when `name` is `None`, then calls `connect` with it, and asks
/// again (calling `connect` again) when the host rejects the name. Returns
/// `Ok(None)` when the player leaves and `Ok(Some(message))` when the session failed, after the
/// terminal is restored, so the caller can print the message. Leaving drops the channels, which
/// closes them on the session side, and does not wait for the session to stop.
pub async fn run(
    name: Option<String>,
    connect: impl FnMut(String) -> PlayerChannels,
) -> io::Result<Option<String>> {
    let mut terminal = ratatui::init();
    let result = run_loop(&mut terminal, name, connect).await;
    ratatui::restore();
    result
}

/// The parts of [`PlayerChannels`] still open.
#[derive(Default)]
struct Session {
    events: Option<UnboundedReceiver<PlayerEvent>>,
    commands: Option<UnboundedSender<PlayerCommand>>,
    done: Option<JoinHandle<Result<(), SessionFailure>>>,
}

impl Session {
    fn start(channels: PlayerChannels) -> Self {
        Self {
            events: Some(channels.events),
            commands: Some(channels.commands),
            done: Some(channels.done),
        }
    }

    fn send(&self, command: PlayerCommand) {
        let sent = self
            .commands
            .as_ref()
            .map(|commands| commands.send(command));
        if !matches!(sent, Some(Ok(()))) {
            tracing::warn!(?command, "player command dropped: the session has stopped");
        }
    }
}

async fn run_loop(
    terminal: &mut DefaultTerminal,
    name: Option<String>,
    mut connect: impl FnMut(String) -> PlayerChannels,
) -> io::Result<Option<String>> {
    let mut state = PlayerState::new(name.as_deref());
    let mut session = Session::default();
    if let Some(name) = name {
        session = Session::start(connect(name));
    }
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);
    // The error of a session that the host closed for good, returned once the player has read
    // the reason on the screen and leaves.
    let mut closed_error = None;

    loop {
        terminal.draw(|frame| {
            let view = PlayerView {
                state: &state,
                now: Instant::now(),
            };
            frame.render_widget(view, frame.area());
        })?;

        tokio::select! {
            event = next_event(&mut session.events) => match event {
                Some(event) => state.apply(event),
                None => session.events = None,
            },
            finished = finished(&mut session.done) => {
                session.done = None;
                drain_events(&mut session, &mut state);
                match finished {
                    Ok(Ok(())) => state.end_session(),
                    Ok(Err(failure)) if failure.name_refused => {
                        state.name_refused(failure.message);
                        session = Session::default();
                    }
                    Ok(Err(failure)) if state.closed.is_some() => {
                        state.end_session();
                        closed_error = Some(failure.message);
                    }
                    Ok(Err(failure)) => return Ok(Some(failure.message)),
                    Err(error) => return Ok(Some(format!("The network session failed: {error}"))),
                }
            }
            key = keys.next() => {
                let Some(event) = key.transpose()? else { return Ok(closed_error) };
                let Some(key) = key_press(&event) else { continue };
                match state.handle_key(key, Instant::now()) {
                    Some(PlayerAction::Connect(name)) => {
                        session = Session::start(connect(name));
                    }
                    Some(PlayerAction::Send(command)) => session.send(command),
                    Some(PlayerAction::Quit) => return Ok(closed_error),
                    None => {}
                }
            }
            _ = tick.tick() => {}
        }
    }
}

/// Waits for the next event, and forever once the events channel closed.
async fn next_event(events: &mut Option<UnboundedReceiver<PlayerEvent>>) -> Option<PlayerEvent> {
    match events {
        Some(events) => events.recv().await,
        None => pending().await,
    }
}

/// Waits for the session task to end, and forever if it has already ended.
async fn finished(
    done: &mut Option<JoinHandle<Result<(), SessionFailure>>>,
) -> Result<Result<(), SessionFailure>, JoinError> {
    match done {
        Some(done) => done.await,
        None => pending().await,
    }
}

/// Applies the events queued before the session ended, so a final `GameOver` is not lost.
fn drain_events(session: &mut Session, state: &mut PlayerState) {
    if let Some(events) = &mut session.events {
        while let Ok(event) = events.try_recv() {
            state.apply(event);
        }
    }
}
