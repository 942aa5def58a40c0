//! The host screen's state: a reducer over [`HostEvent`]s and the intents behind its keys.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};

use super::kick::{KickDialog, KickOutcome, TUI_KICK_REASON};
use crate::host::events::{HostCommand, HostEvent, QuestionInfo, Standing};
use crate::ui::frame::is_ctrl_c;

/// How many of the latest player names the lobby keeps. The count stays exact; older names are
/// dropped so a lobby of 10,000 players costs no more to draw than one of 200.
pub const MAX_RECENT_NAMES: usize = 200;

/// Number of standings shown in the leaderboard and kept from the final results.
pub const TOP_COUNT: usize = 5;

/// How long a second press of Enter is ignored after it sent a command, so a double press does
/// not skip a question before the game answers with an event.
const REPEAT_GUARD: Duration = Duration::from_secs(1);

/// Everything the host screen shows.
#[derive(Debug, Clone, Default)]
pub struct HostState {
    /// The lobby data, filled by `Listening` and `PlayerJoined`.
    pub lobby: Lobby,
    /// The current screen.
    pub phase: Phase,
    /// The latest top standings.
    pub top: Vec<Standing>,
    /// Whether the "quit the running game?" question is shown.
    pub confirming_quit: bool,
    /// The kick dialog, while it is open.
    pub kick: Option<KickDialog>,
    /// The latest database failure, shown in red over the header until the game ends.
    pub store_error: Option<String>,
    /// The last command sent with Enter and when, for the repeat guard.
    last_sent: Option<(HostCommand, Instant)>,
}

/// The join details and the players seen so far.
#[derive(Debug, Clone, Default)]
pub struct Lobby {
    /// The join URL, title and code, once the server listens.
    pub listening: Option<Listening>,
    /// Number of players admitted so far, kicked ones included.
    pub players: usize,
    /// Number of players the host kicked.
    pub kicked: usize,
    /// The latest names, most recent first, at most [`MAX_RECENT_NAMES`].
    pub recent_names: VecDeque<String>,
}

/// The join details from [`HostEvent::Listening`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Listening {
    pub join_url: String,
    pub code: String,
    pub title: String,
    pub questions: usize,
    /// Bearer key of the admin API when the host generated it, shown in the lobby only.
    pub admin_key: Option<String>,
}

/// The screen shown to the host.
#[derive(Debug, Clone, Default)]
pub enum Phase {
    /// Waiting for players; Enter starts the game.
    #[default]
    Lobby,
    /// A question is open.
    Question(OpenQuestion),
    /// A question closed and its answers are shown.
    Reveal(Reveal),
    /// The game is over.
    Podium(Podium),
}

/// An open question and the answers counted so far.
#[derive(Debug, Clone)]
pub struct OpenQuestion {
    pub question: QuestionInfo,
    pub deadline: Instant,
    pub answered: usize,
    pub connected: usize,
}

/// A closed question with its correct options and the answer distribution.
#[derive(Debug, Clone)]
pub struct Reveal {
    /// The question, or `None` if it closed before the screen saw it open.
    pub question: Option<QuestionInfo>,
    pub correct: Vec<usize>,
    pub counts: Vec<usize>,
    pub answered: usize,
    /// Whether another question follows.
    pub more: bool,
}

/// The final standings.
#[derive(Debug, Clone)]
pub struct Podium {
    /// The best [`TOP_COUNT`] players.
    pub top: Vec<Standing>,
    /// Number of players in the final results.
    pub players: usize,
}

/// The step the terminal loop takes after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HostAction {
    /// Send this command to the game.
    Send(HostCommand),
    /// Send [`HostCommand::Quit`] and leave the screen.
    Quit,
}

impl HostState {
    /// Updates the state with one event from the game.
    pub fn apply(&mut self, event: HostEvent) {
        match event {
            HostEvent::StoreError { message } => self.store_error = Some(message),
            HostEvent::Listening {
                join_url,
                code,
                title,
                questions,
                admin_key,
            } => {
                self.lobby.listening = Some(Listening {
                    join_url,
                    code,
                    title,
                    questions,
                    admin_key,
                });
            }
            HostEvent::PlayerJoined { name, players } => self.add_player(name, players),
            HostEvent::PlayerKicked { name } => self.remove_player(&name),
            HostEvent::QuestionStarted {
                question,
                deadline,
                connected,
            } => {
                self.phase = Phase::Question(OpenQuestion {
                    question,
                    deadline,
                    answered: 0,
                    connected,
                });
                self.last_sent = None;
                // Kicking is offered in the lobby and between questions only.
                self.kick = None;
            }
            HostEvent::AnswerReceived {
                answered,
                connected,
            } => {
                if let Phase::Question(open) = &mut self.phase {
                    open.answered = answered;
                    open.connected = connected;
                }
            }
            HostEvent::Leaderboard { top } => self.top = top,
            HostEvent::QuestionClosed {
                index,
                correct,
                counts,
                answered,
                top,
                more,
            } => self.close_question(index, correct, counts, answered, top, more),
            HostEvent::GameOver { results } => {
                let players = results.len();
                let top: Vec<Standing> = results.into_iter().take(TOP_COUNT).collect();
                self.top.clone_from(&top);
                self.phase = Phase::Podium(Podium { top, players });
                self.confirming_quit = false;
                self.kick = None;
            }
        }
    }

    fn add_player(&mut self, name: String, players: usize) {
        self.lobby.players = players;
        self.lobby.recent_names.push_front(name);
        self.lobby.recent_names.truncate(MAX_RECENT_NAMES);
    }

    fn remove_player(&mut self, name: &str) {
        self.lobby.kicked += 1;
        self.lobby.recent_names.retain(|n| n != name);
    }

    fn close_question(
        &mut self,
        index: usize,
        correct: Vec<usize>,
        counts: Vec<usize>,
        answered: usize,
        top: Vec<Standing>,
        more: bool,
    ) {
        let question = match &self.phase {
            Phase::Question(open) if open.question.index == index => Some(open.question.clone()),
            _ => None,
        };
        self.phase = Phase::Reveal(Reveal {
            question,
            correct,
            counts,
            answered,
            more,
        });
        self.top = top;
        self.last_sent = None;
    }

    /// Returns whether a game is under way, so quitting needs a confirmation.
    pub fn game_running(&self) -> bool {
        matches!(self.phase, Phase::Question(_) | Phase::Reveal(_))
    }

    /// Maps one key press to its intent. The caller passes presses only.
    pub fn handle_key(&mut self, key: KeyEvent, now: Instant) -> Option<HostAction> {
        if self.confirming_quit {
            return self.answer_quit_question(key);
        }
        if is_ctrl_c(&key) {
            self.kick = None;
            return self.request_quit();
        }
        if let Some(dialog) = &mut self.kick {
            return match dialog.handle_key(key) {
                KickOutcome::Stay => None,
                KickOutcome::Cancel => {
                    self.kick = None;
                    None
                }
                KickOutcome::Kick(name) => {
                    self.kick = None;
                    Some(HostAction::Send(HostCommand::Kick {
                        name,
                        reason: TUI_KICK_REASON.to_string(),
                    }))
                }
            };
        }
        match key.code {
            KeyCode::Char('q') | KeyCode::Char('Q') => self.request_quit(),
            KeyCode::Char('k') | KeyCode::Char('K') => {
                self.open_kick();
                None
            }
            KeyCode::Enter | KeyCode::Char(' ') => self.press_primary(now),
            _ => None,
        }
    }

    /// Quits at once outside a game, and asks first while one runs.
    pub fn request_quit(&mut self) -> Option<HostAction> {
        if self.game_running() {
            self.confirming_quit = true;
            None
        } else {
            Some(HostAction::Quit)
        }
    }

    /// Handles a key while the quit question is shown: y quits, n or Esc goes back. A second
    /// Ctrl-C quits too, so Ctrl-C twice always leaves.
    fn answer_quit_question(&mut self, key: KeyEvent) -> Option<HostAction> {
        if is_ctrl_c(&key) {
            return Some(HostAction::Quit);
        }
        match key.code {
            KeyCode::Char('y') | KeyCode::Char('Y') => Some(HostAction::Quit),
            KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                self.confirming_quit = false;
                None
            }
            _ => None,
        }
    }

    /// Reports whether the host may kick now: in the lobby and between questions.
    pub fn can_kick(&self) -> bool {
        match self.phase {
            Phase::Lobby => self.lobby.listening.is_some(),
            Phase::Reveal(_) => true,
            Phase::Question(_) | Phase::Podium(_) => false,
        }
    }

    /// Opens the kick dialog over the latest names, when kicking is allowed and someone is
    /// there to kick.
    pub fn open_kick(&mut self) {
        if self.can_kick() {
            self.kick = KickDialog::open(self.lobby.recent_names.iter().cloned().collect());
        }
    }

    /// Starts the game, closes the open question or moves on, depending on the screen.
    pub fn press_primary(&mut self, now: Instant) -> Option<HostAction> {
        let command = match &self.phase {
            Phase::Lobby if self.lobby.listening.is_some() => HostCommand::Advance,
            Phase::Question(_) => HostCommand::CloseQuestion,
            Phase::Reveal(_) => HostCommand::Advance,
            Phase::Lobby | Phase::Podium(_) => return None,
        };
        if let Some((last, sent_at)) = &self.last_sent
            && *last == command
            && now.saturating_duration_since(*sent_at) < REPEAT_GUARD
        {
            return None;
        }
        self.last_sent = Some((command.clone(), now));
        Some(HostAction::Send(command))
    }
}
