//! The player screen's state: a reducer over [`PlayerEvent`]s and the intents behind its keys.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent};

use super::nickname::{NicknameInput, NicknameKey};
use crate::client::events::{PlayerCommand, PlayerEvent};
use crate::ui::frame::is_ctrl_c;

/// Everything the player screen shows.
#[derive(Debug, Clone, Default)]
pub struct PlayerState {
    /// The nickname field, used until a name is submitted.
    pub nickname: NicknameInput,
    /// Whether a name was given or submitted and the session was started.
    pub connecting: bool,
    /// The latest admission retry, until the player is admitted.
    pub retry: Option<Retry>,
    /// The game joined, once admitted.
    pub joined: Option<Joined>,
    /// The current or last question.
    pub round: Option<Round>,
    /// The final rank, once the game is over.
    pub game_over: Option<FinalResult>,
    /// Whether the network session ended without an error before the game was over.
    pub session_ended: bool,
    /// The pending reconnect attempt while the connection to the host is down.
    pub reconnect: Option<Reconnect>,
    /// This player's standing from the host, after a reconnect or a restart.
    pub standing: Option<Standing>,
    /// The latest announcement from the host's backend.
    pub announcement: Option<String>,
    /// The reason the host gave when it closed the connection for good.
    pub closed: Option<String>,
}

/// A reconnect attempt, from [`PlayerEvent::Reconnecting`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reconnect {
    pub attempt: u32,
    pub wait: Duration,
    /// The reason the connection dropped or the last attempt failed.
    pub reason: String,
}

/// This player's score and rank, from [`PlayerEvent::Standing`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Standing {
    pub score: u64,
    pub rank: u32,
    pub players: usize,
    pub streak: u32,
}

/// An admission retry, from [`PlayerEvent::Retrying`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retry {
    /// HTTP status, or 0 when the host could not be reached.
    pub status: u16,
    pub attempt: u32,
    pub wait: Duration,
}

/// The game the player joined.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Joined {
    pub name: String,
    pub title: String,
    pub code: String,
}

/// One question as the player sees it, with the answer and result so far.
#[derive(Debug, Clone)]
pub struct Round {
    pub index: usize,
    pub total: usize,
    pub text: String,
    pub options: Vec<String>,
    pub deadline: Instant,
    /// The option under the cursor for Up/Down and Enter.
    pub selected: usize,
    pub answer: AnswerStatus,
    /// The correct options, once the question closed.
    pub correct: Option<Vec<usize>>,
    /// This player's result, once it arrived.
    pub result: Option<RoundResult>,
    /// This player's standing when the host reported one after the question closed and no
    /// result came. A restarted host closes the open question without sending results.
    pub standing: Option<Standing>,
}

/// Progress of this player's answer to the current question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AnswerStatus {
    /// No answer chosen yet.
    Open,
    /// The answer was sent and the server has not confirmed it.
    Sending(usize),
    /// The server accepted the answer.
    Locked(usize),
    /// The host reported that it has this player's answer, without saying which option, after
    /// the player came back to a question it answered before.
    Recorded,
    /// The server rejected the answer with this reason.
    Rejected(String),
}

/// This player's result for one question, from [`PlayerEvent::Result`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoundResult {
    pub correct: bool,
    pub points: u64,
    pub score: u64,
    pub rank: u32,
    pub players: usize,
    pub streak: u32,
}

/// The player's final rank, from [`PlayerEvent::GameOver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FinalResult {
    pub rank: u32,
    pub score: u64,
    pub players: usize,
}

/// The screen shown to the player.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Screen {
    Prompt,
    Connecting,
    Lobby,
    Question,
    Result,
    Final,
    /// The session ended before the game was over.
    Ended,
}

/// The step the terminal loop takes after a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlayerAction {
    /// Start the network session with this nickname.
    Connect(String),
    /// Send this command to the session.
    Send(PlayerCommand),
    /// Leave the screen.
    Quit,
}

impl PlayerState {
    /// Creates the state for a player who gave `name` on the command line, or who must type one.
    pub fn new(name: Option<&str>) -> Self {
        Self {
            connecting: name.is_some(),
            ..Self::default()
        }
    }

    /// Returns the screen for the current state.
    pub fn screen(&self) -> Screen {
        if self.game_over.is_some() {
            return Screen::Final;
        }
        if self.session_ended || self.closed.is_some() {
            return Screen::Ended;
        }
        match (&self.round, &self.joined) {
            (Some(round), _) if round.correct.is_some() || round.result.is_some() => Screen::Result,
            (Some(_), _) => Screen::Question,
            (None, Some(_)) => Screen::Lobby,
            (None, None) if self.connecting => Screen::Connecting,
            (None, None) => Screen::Prompt,
        }
    }

    /// Goes back to the nickname prompt with `message` after the host refused the name.
    pub fn name_refused(&mut self, message: String) {
        self.connecting = false;
        self.retry = None;
        self.joined = None;
        self.nickname.error = Some(message);
    }

    /// Updates the state with one event from the session.
    pub fn apply(&mut self, event: PlayerEvent) {
        match event {
            PlayerEvent::Retrying {
                status,
                attempt,
                wait,
            } => {
                self.retry = Some(Retry {
                    status,
                    attempt,
                    wait,
                })
            }
            PlayerEvent::Joined {
                name, title, code, ..
            } => {
                self.joined = Some(Joined { name, title, code });
                self.retry = None;
            }
            PlayerEvent::Question {
                index,
                total,
                text,
                options,
                deadline,
                ..
            } => {
                self.round = Some(Round {
                    index,
                    total,
                    text,
                    options,
                    deadline,
                    selected: 0,
                    answer: AnswerStatus::Open,
                    correct: None,
                    result: None,
                    standing: None,
                });
            }
            PlayerEvent::Answered { index, option, .. } => {
                if let Some(round) = self.round_mut(index) {
                    round.answer = AnswerStatus::Locked(option);
                }
            }
            PlayerEvent::AnswerRejected { index, reason } => {
                if let Some(round) = self.round_mut(index) {
                    round.answer = AnswerStatus::Rejected(reason);
                }
            }
            PlayerEvent::QuestionClosed { index, correct, .. } => {
                if let Some(round) = self.round_mut(index) {
                    round.correct = Some(correct);
                }
            }
            PlayerEvent::Result {
                index,
                correct,
                points,
                score,
                rank,
                players,
                streak,
            } => {
                if let Some(round) = self.round_mut(index) {
                    round.result = Some(RoundResult {
                        correct,
                        points,
                        score,
                        rank,
                        players,
                        streak,
                    });
                }
            }
            PlayerEvent::Reconnecting {
                attempt,
                wait,
                reason,
            } => {
                self.reconnect = Some(Reconnect {
                    attempt,
                    wait,
                    reason,
                });
            }
            PlayerEvent::Announcement { text } => self.announcement = Some(text),
            PlayerEvent::Closed { message, .. } => {
                self.closed = Some(message);
                self.reconnect = None;
            }
            PlayerEvent::Reconnected => self.reconnect = None,
            PlayerEvent::Standing {
                score,
                rank,
                players,
                streak,
                answered,
            } => self.apply_standing(
                Standing {
                    score,
                    rank,
                    players,
                    streak,
                },
                answered,
            ),
            PlayerEvent::GameOver {
                rank,
                score,
                players,
            } => {
                self.game_over = Some(FinalResult {
                    rank,
                    score,
                    players,
                })
            }
        }
    }

    /// Records the host's report of this player's standing. If `answered` is the current
    /// question, its answer shows as locked in.
    fn apply_standing(&mut self, standing: Standing, answered: Option<usize>) {
        self.standing = Some(standing);
        if let Some(round) = self.round.as_mut() {
            if let Some(result) = round.result.as_mut() {
                result.score = standing.score;
                result.rank = standing.rank;
                result.players = standing.players;
                result.streak = standing.streak;
            } else if round.correct.is_some() {
                round.standing = Some(standing);
            }
            if answered == Some(round.index) {
                round.answer = match round.answer {
                    AnswerStatus::Sending(option) | AnswerStatus::Locked(option) => {
                        AnswerStatus::Locked(option)
                    }
                    _ => AnswerStatus::Recorded,
                };
            }
        }
    }

    /// Returns the current round if it is question `index`, so late events for an earlier
    /// question change nothing.
    fn round_mut(&mut self, index: usize) -> Option<&mut Round> {
        self.round.as_mut().filter(|round| round.index == index)
    }

    /// Records that the session ended without an error.
    pub fn end_session(&mut self) {
        self.session_ended = true;
    }

    /// Maps one key press to its intent. The caller passes presses only.
    pub fn handle_key(&mut self, key: KeyEvent, now: Instant) -> Option<PlayerAction> {
        if is_ctrl_c(&key) {
            return Some(PlayerAction::Quit);
        }
        match self.screen() {
            Screen::Prompt => self.handle_prompt_key(key),
            Screen::Question => self.handle_question_key(key, now),
            Screen::Connecting | Screen::Lobby | Screen::Ended => {
                matches!(key.code, KeyCode::Char('q')).then_some(PlayerAction::Quit)
            }
            Screen::Final => matches!(key.code, KeyCode::Char('q') | KeyCode::Enter)
                .then_some(PlayerAction::Quit),
            Screen::Result => None,
        }
    }

    fn handle_prompt_key(&mut self, key: KeyEvent) -> Option<PlayerAction> {
        match self.nickname.handle_key(key) {
            NicknameKey::Editing => None,
            NicknameKey::Cancel => Some(PlayerAction::Quit),
            NicknameKey::Submit(name) => {
                self.connecting = true;
                Some(PlayerAction::Connect(name))
            }
        }
    }

    /// Handles answer keys: 1-6 answer at once, Up/Down and k/j move, Enter answers. Keys do
    /// nothing once an answer was chosen or the time is up.
    fn handle_question_key(&mut self, key: KeyEvent, now: Instant) -> Option<PlayerAction> {
        let round = self.round.as_mut()?;
        if round.answer != AnswerStatus::Open || now >= round.deadline {
            return None;
        }
        let last = round.options.len().saturating_sub(1);
        match key.code {
            KeyCode::Char(digit @ '1'..='6') => {
                let option = digit as usize - '1' as usize;
                (option <= last).then(|| round.choose(option))
            }
            KeyCode::Up | KeyCode::Char('k') => {
                round.selected = round.selected.saturating_sub(1);
                None
            }
            KeyCode::Down | KeyCode::Char('j') => {
                round.selected = (round.selected + 1).min(last);
                None
            }
            KeyCode::Enter if !round.options.is_empty() => Some(round.choose(round.selected)),
            _ => None,
        }
    }
}

impl Round {
    /// Marks `option` as sent and returns the command that sends it.
    fn choose(&mut self, option: usize) -> PlayerAction {
        self.selected = option;
        self.answer = AnswerStatus::Sending(option);
        PlayerAction::Send(PlayerCommand::Answer {
            index: self.index,
            option,
        })
    }
}
