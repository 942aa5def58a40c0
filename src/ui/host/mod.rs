//! The host's terminal screen: lobby with QR code, questions, reveals and the podium.

mod leaderboard;
mod lobby;
mod podium;
mod question;
mod reveal;
mod state;
mod view;

#[cfg(test)]
mod snapshot_tests;
#[cfg(test)]
mod state_tests;

use std::io;
use std::time::{Duration, Instant};

use crossterm::event::{Event, EventStream};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::MissedTickBehavior;

pub use state::{HostAction, HostState, Phase};
pub use view::HostView;

use crate::host::events::{HostCommand, HostEvent};
use crate::ui::frame::key_press;

/// Redraw period while nothing else happens, so the countdown moves.
const TICK: Duration = Duration::from_millis(100);

/// Most events applied before a redraw, so a burst of thousands of joins redraws a few times
/// instead of once per player.
const MAX_EVENTS_PER_DRAW: usize = 512;

/// Runs the host screen until the user quits or `events` closes.
///
/// Takes over the terminal with `ratatui::init()` and restores it before returning, also on
/// error. Sends [`HostCommand::Quit`] before returning when the user quits.
pub async fn run(
    events: UnboundedReceiver<HostEvent>,
    commands: UnboundedSender<HostCommand>,
) -> io::Result<()> {
    let mut terminal = ratatui::init();
    let result = run_loop(&mut terminal, events, commands).await;
    ratatui::restore();
    result
}

async fn run_loop(
    terminal: &mut DefaultTerminal,
    mut events: UnboundedReceiver<HostEvent>,
    commands: UnboundedSender<HostCommand>,
) -> io::Result<()> {
    let mut state = HostState::default();
    let mut keys = EventStream::new();
    let mut tick = tokio::time::interval(TICK);
    tick.set_missed_tick_behavior(MissedTickBehavior::Skip);

    loop {
        terminal.draw(|frame| {
            let view = HostView {
                state: &state,
                now: Instant::now(),
            };
            frame.render_widget(view, frame.area());
        })?;

        tokio::select! {
            event = events.recv() => {
                let Some(event) = event else { return Ok(()) };
                state.apply(event);
                drain_events(&mut events, &mut state);
            }
            key = keys.next() => {
                let Some(key) = key.transpose()? else { return Ok(()) };
                if handle_terminal_event(&mut state, &key, &commands) {
                    return Ok(());
                }
            }
            _ = tick.tick() => {}
        }
    }
}

/// Applies the events already queued, up to [`MAX_EVENTS_PER_DRAW`].
fn drain_events(events: &mut UnboundedReceiver<HostEvent>, state: &mut HostState) {
    for _ in 0..MAX_EVENTS_PER_DRAW {
        match events.try_recv() {
            Ok(event) => state.apply(event),
            Err(_) => break,
        }
    }
}

/// Handles one terminal event and returns whether the screen should close.
fn handle_terminal_event(
    state: &mut HostState,
    event: &Event,
    commands: &UnboundedSender<HostCommand>,
) -> bool {
    let Some(key) = key_press(event) else {
        return false;
    };
    match state.handle_key(key, Instant::now()) {
        Some(HostAction::Send(command)) => {
            if commands.send(command).is_err() {
                tracing::warn!(?command, "host command dropped: the game has stopped");
            }
            false
        }
        Some(HostAction::Quit) => {
            // A failed send means the game has already stopped, so there is nothing left to quit.
            let _ = commands.send(HostCommand::Quit);
            true
        }
        None => false,
    }
}
