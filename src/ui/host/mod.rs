//! The host's terminal screen: lobby with QR code, questions, reveals and the podium.

mod kick;
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

use crossterm::event::{Event, EventStream, KeyCode};
use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::layout::Rect;
use tokio::sync::mpsc::{UnboundedReceiver, UnboundedSender};
use tokio::time::MissedTickBehavior;

pub use state::{HostAction, HostState, Phase};
pub use view::HostView;

use crate::host::events::{HostCommand, HostEvent};
use crate::ui::frame::{fits, is_ctrl_c, key_press};

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
                // Enter must not advance a game the host cannot see; quitting still works.
                let size = terminal.size()?;
                let visible = fits(Rect::new(0, 0, size.width, size.height));
                if !visible && !is_quit_key(&key) {
                    continue;
                }
                if handle_terminal_event(&mut state, &key, &commands) {
                    return Ok(());
                }
            }
            _ = tick.tick() => {}
        }
    }
}

/// Reports whether `event` is a key that quits or answers the quit question (q, y, n, Esc,
/// Ctrl-C).
fn is_quit_key(event: &Event) -> bool {
    key_press(event).is_some_and(|key| {
        is_ctrl_c(&key) || matches!(key.code, KeyCode::Char('q' | 'y' | 'n') | KeyCode::Esc)
    })
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
            if let Err(dropped) = commands.send(command) {
                tracing::warn!(command = ?dropped.0, "host command dropped: the game has stopped");
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

#[cfg(test)]
mod tests {
    use crossterm::event::{KeyEvent, KeyModifiers};

    use super::*;

    fn press(code: KeyCode) -> Event {
        Event::Key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    #[test]
    fn quit_keys_recognized() {
        for code in [KeyCode::Char('q'), KeyCode::Char('y'), KeyCode::Esc] {
            assert!(is_quit_key(&press(code)), "{code:?}");
        }
        let ctrl_c = Event::Key(KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL));
        assert!(is_quit_key(&ctrl_c));
    }

    #[test]
    fn advance_keys_not_quit_keys() {
        for code in [KeyCode::Enter, KeyCode::Char(' '), KeyCode::Char('1')] {
            assert!(!is_quit_key(&press(code)), "{code:?}");
        }
    }
}
