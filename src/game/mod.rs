//! The game state machine: players, the open question, answers, scores and standings.
//!
//! [`Game`] does no I/O and reads no clock: every operation that depends on time takes the
//! current instant as an argument, so the same inputs always give the same scores. The host's
//! game actor owns one `Game` and feeds it the server's receive times.

mod standings;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::bank::{Bank, Question};
use crate::host::events::Standing;
use crate::nickname::{self, NicknameError};
use crate::scoring;
use crate::store::{SavedGame, SavedPhase};

pub use standings::rank_players;

/// Index of a player in [`Game::players`]; stable for the life of the game.
pub type PlayerIndex = usize;

/// One player's state.
#[derive(Debug, Clone)]
pub struct Player {
    /// Client-generated id, used in the player's private channel path.
    pub id: String,
    pub name: String,
    /// Secret session token issued at join.
    pub token: String,
    pub score: u64,
    /// Correct answers in a row, counting the latest.
    pub streak: u32,
    /// Questions answered correctly.
    pub correct: u32,
    /// Open WebSocket connections of this player.
    pub connections: u32,
    /// The host's reason, once the host removed this player from the game.
    pub kicked: Option<String>,
}

/// An accepted answer to the open question.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Answer {
    /// 0-based option.
    pub option: usize,
    /// Response time, rounded down to whole milliseconds before scoring.
    pub elapsed: Duration,
    pub correct: bool,
    /// Points earned, streak bonus included.
    pub points: u64,
}

/// The stage the game is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    Lobby,
    /// Question `index` takes answers received up to `deadline`.
    Open {
        index: usize,
        opened_at: Instant,
        deadline: Instant,
    },
    /// Question `index` is closed and its results are out.
    Closed {
        index: usize,
    },
    Over,
}

/// The reason a join was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum JoinError {
    #[error(transparent)]
    Nickname(#[from] NicknameError),
    #[error("nickname {0:?} is taken in this game; choose another")]
    NameTaken(String),
    #[error("player id {0:?} has already joined this game")]
    IdTaken(String),
    #[error("the game has ended; ask the host for a new code")]
    GameOver,
    #[error("the host removed this player from the game: {reason}")]
    Kicked { id: String, reason: String },
}

/// The reason a kick was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum KickError {
    #[error("no player with id {0:?} in this game")]
    UnknownPlayer(String),
    #[error("player id {0:?} was already removed from this game")]
    AlreadyKicked(String),
    #[error("the game is over, so nobody can be removed from it")]
    GameOver,
}

/// The reason an answer was rejected. None of these is ever scored. Messages number questions from 1,
/// as players see them; the `index` fields are 0-based, as on the wire.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AnswerError {
    #[error("question {} is not open; {}", index + 1, open_question(*.open))]
    NotOpen { index: usize, open: Option<usize> },
    #[error("the answer arrived {late_ms} ms after the deadline of question {}", index + 1)]
    Late { index: usize, late_ms: u64 },
    #[error("option {option} is out of range; question {} has options 1 to {options}", index + 1)]
    OutOfRange {
        index: usize,
        option: usize,
        options: usize,
    },
    #[error("question {} was already answered; only the first answer counts", index + 1)]
    Duplicate { index: usize },
    #[error("the host removed this player from the game")]
    Kicked { index: usize },
}

fn open_question(open: Option<usize>) -> String {
    match open {
        Some(index) => format!("question {} is open", index + 1),
        None => "no question is open".into(),
    }
}

impl AnswerError {
    /// Returns the stable error type sent in `publish_error`.
    pub fn error_type(&self) -> &'static str {
        match self {
            AnswerError::NotOpen { .. } => "QuestionNotOpen",
            AnswerError::Late { .. } => "AnswerLate",
            AnswerError::OutOfRange { .. } => "OptionOutOfRange",
            AnswerError::Duplicate { .. } => "DuplicateAnswer",
            AnswerError::Kicked { .. } => "PlayerKicked",
        }
    }
}

/// One player's outcome of a closed question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlayerResult {
    pub player: PlayerIndex,
    pub answer: Option<Answer>,
    pub score: u64,
    pub rank: u32,
    pub streak: u32,
}

/// The outcome of closing a question.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub index: usize,
    /// 0-based right options.
    pub correct: Vec<usize>,
    /// Answers per option.
    pub counts: Vec<usize>,
    pub answered: usize,
    /// Every player's result, in player order.
    pub results: Vec<PlayerResult>,
    /// Whether another question follows.
    pub more: bool,
}

/// A game: its bank, its players and the state of the current question.
#[derive(Debug)]
pub struct Game {
    code: String,
    bank: Arc<Bank>,
    phase: Phase,
    players: Vec<Player>,
    by_id: HashMap<String, PlayerIndex>,
    by_name: HashMap<String, PlayerIndex>,
    /// Answers to the open or last closed question, by player.
    answers: Vec<Option<Answer>>,
    counts: Vec<usize>,
    answered: usize,
    /// Connected players that have not answered the open question.
    waiting: usize,
    /// Players with at least one open connection.
    connected: usize,
}

impl Game {
    /// Creates a game in the lobby.
    pub fn new(code: String, bank: Arc<Bank>) -> Game {
        Game {
            code,
            bank,
            phase: Phase::Lobby,
            players: Vec::new(),
            by_id: HashMap::new(),
            by_name: HashMap::new(),
            answers: Vec::new(),
            counts: Vec::new(),
            answered: 0,
            waiting: 0,
            connected: 0,
        }
    }

    /// Rebuilds a game read back from the database. A question that was open is closed
    /// without penalty: answers stored before the stop count, and nobody's streak is reset for
    /// not answering it.
    pub fn restore(saved: &SavedGame) -> Game {
        let mut game = Game::new(saved.code.clone(), Arc::new(saved.bank.clone()));
        for (index, p) in saved.players.iter().enumerate() {
            game.players.push(Player {
                id: p.player_id.clone(),
                name: p.name.clone(),
                token: p.token.clone(),
                score: p.score,
                streak: p.streak,
                correct: p.correct,
                connections: 0,
                kicked: p.kicked.clone(),
            });
            game.answers.push(None);
            game.by_id.insert(p.player_id.clone(), index);
            game.by_name.insert(nickname::key(&p.name), index);
        }
        game.phase = match saved.phase {
            SavedPhase::Lobby => Phase::Lobby,
            SavedPhase::Open { index } | SavedPhase::Closed { index } => Phase::Closed { index },
        };
        game.counts = saved.counts.clone();
        game.answered = saved.answered.len();
        game
    }

    /// Returns the game code.
    pub fn code(&self) -> &str {
        &self.code
    }

    /// Returns the question bank.
    pub fn bank(&self) -> &Arc<Bank> {
        &self.bank
    }

    /// Returns the current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }

    /// Returns every player in join order.
    pub fn players(&self) -> &[Player] {
        &self.players
    }

    /// Returns the number of players with at least one open connection.
    pub fn connected(&self) -> usize {
        self.connected
    }

    /// Reports whether `player` has answered the open or last question.
    pub fn has_answered(&self, player: PlayerIndex) -> bool {
        self.answers[player].is_some()
    }

    /// Returns the answers per option of the open or last question.
    pub fn counts(&self) -> &[usize] {
        &self.counts
    }

    /// Returns how many answers the open or last question has.
    pub fn answered(&self) -> usize {
        self.answered
    }

    /// Returns the question at `index`.
    pub fn question(&self, index: usize) -> &Question {
        &self.bank.questions[index]
    }

    /// Adds a player. A player joining during a question may still answer it, starting from 0.
    pub fn join(
        &mut self,
        id: &str,
        raw_name: &str,
        token: String,
    ) -> Result<PlayerIndex, JoinError> {
        if let Some(&index) = self.by_id.get(id)
            && let Some(reason) = &self.players[index].kicked
        {
            return Err(JoinError::Kicked {
                id: id.to_string(),
                reason: reason.clone(),
            });
        }
        if self.phase == Phase::Over {
            return Err(JoinError::GameOver);
        }
        let name = nickname::validate(raw_name)?;
        if self.by_id.contains_key(id) {
            return Err(JoinError::IdTaken(id.to_string()));
        }
        let key = nickname::key(&name);
        if self.by_name.contains_key(&key) {
            return Err(JoinError::NameTaken(name));
        }

        let index = self.players.len();
        self.players.push(Player {
            id: id.to_string(),
            name,
            token,
            score: 0,
            streak: 0,
            correct: 0,
            connections: 0,
            kicked: None,
        });
        self.answers.push(None);
        self.by_id.insert(id.to_string(), index);
        self.by_name.insert(key, index);
        Ok(index)
    }

    /// Removes the player with id `id` for the rest of the game: its answers are rejected, it
    /// cannot join again with the same id, it leaves the standings, and the open question stops
    /// waiting for it. Its connections are closed by the caller and no longer count as
    /// connected. Returns the player's index.
    pub fn kick(&mut self, id: &str, reason: &str) -> Result<PlayerIndex, KickError> {
        if self.phase == Phase::Over {
            return Err(KickError::GameOver);
        }
        let index = *self
            .by_id
            .get(id)
            .ok_or_else(|| KickError::UnknownPlayer(id.to_string()))?;
        let player = &mut self.players[index];
        if player.kicked.is_some() {
            return Err(KickError::AlreadyKicked(id.to_string()));
        }
        player.kicked = Some(reason.to_string());
        if player.connections > 0 {
            player.connections = 0;
            self.connected -= 1;
            if self.is_open() && self.answers[index].is_none() {
                self.waiting -= 1;
            }
        }
        Ok(index)
    }

    /// Returns the number of players in the standings: everyone but the kicked players.
    pub fn ranked_count(&self) -> usize {
        self.players.iter().filter(|p| p.kicked.is_none()).count()
    }

    /// Records that `player` opened a connection. A kicked player's connection is not counted,
    /// since it authenticated just before the kick and is about to close.
    pub fn connect(&mut self, player: PlayerIndex) {
        let p = &mut self.players[player];
        if p.kicked.is_some() {
            return;
        }
        p.connections += 1;
        if p.connections == 1 {
            self.connected += 1;
            if self.is_open() && self.answers[player].is_none() {
                self.waiting += 1;
            }
        }
    }

    /// Records that one of `player`'s connections closed.
    pub fn disconnect(&mut self, player: PlayerIndex) {
        let p = &mut self.players[player];
        if p.connections == 0 {
            return;
        }
        p.connections -= 1;
        if p.connections == 0 {
            self.connected -= 1;
            if self.is_open() && self.answers[player].is_none() {
                self.waiting -= 1;
            }
        }
    }

    /// Reports whether every connected player has answered the open question (and at least one
    /// did), which closes it early.
    pub fn everyone_answered(&self) -> bool {
        self.is_open() && self.answered > 0 && self.waiting == 0
    }

    fn is_open(&self) -> bool {
        matches!(self.phase, Phase::Open { .. })
    }

    /// Returns the index of the question that `advance` would open next, if any.
    pub fn next_index(&self) -> Option<usize> {
        let next = match self.phase {
            Phase::Lobby => 0,
            Phase::Closed { index } => index + 1,
            Phase::Open { .. } | Phase::Over => return None,
        };
        (next < self.bank.questions.len()).then_some(next)
    }

    /// Opens the next question at `now`. Returns its index, or `None` when the game is not
    /// between questions or no question is left.
    pub fn open_next(&mut self, now: Instant) -> Option<usize> {
        let index = self.next_index()?;
        let limit = Duration::from_secs(u64::from(self.question(index).time_limit_secs));
        self.phase = Phase::Open {
            index,
            opened_at: now,
            deadline: now + limit,
        };
        self.answers.iter_mut().for_each(|a| *a = None);
        self.counts = vec![0; self.question(index).options.len()];
        self.answered = 0;
        self.waiting = self.connected();
        Some(index)
    }

    /// Judges and scores an answer from `player` to question `index` received at `received_at`.
    pub fn answer(
        &mut self,
        player: PlayerIndex,
        index: usize,
        option: usize,
        received_at: Instant,
    ) -> Result<Answer, AnswerError> {
        let Phase::Open {
            index: open,
            opened_at,
            deadline,
        } = self.phase
        else {
            return Err(AnswerError::NotOpen { index, open: None });
        };
        if index != open {
            return Err(AnswerError::NotOpen {
                index,
                open: Some(open),
            });
        }
        if received_at > deadline {
            let late_ms = received_at.duration_since(deadline).as_millis() as u64;
            return Err(AnswerError::Late { index, late_ms });
        }
        let question = &self.bank.questions[index];
        if option >= question.options.len() {
            return Err(AnswerError::OutOfRange {
                index,
                option: option + 1,
                options: question.options.len(),
            });
        }
        if self.answers[player].is_some() {
            return Err(AnswerError::Duplicate { index });
        }
        if self.players[player].kicked.is_some() {
            return Err(AnswerError::Kicked { index });
        }

        let elapsed_ms = received_at.saturating_duration_since(opened_at).as_millis() as u64;
        let elapsed = Duration::from_millis(elapsed_ms);
        let limit = Duration::from_secs(u64::from(question.time_limit_secs));
        let correct = question.is_correct(option);
        let points_possible = question.points;
        let p = &mut self.players[player];
        let points = score_answer(p, correct, points_possible, elapsed, limit);

        let answer = Answer {
            option,
            elapsed,
            correct,
            points,
        };
        self.answers[player] = Some(answer);
        self.counts[option] += 1;
        self.answered += 1;
        if p.connections > 0 {
            self.waiting = self.waiting.saturating_sub(1);
        }
        Ok(answer)
    }

    /// Closes the open question, resets the streaks of players who did not answer, and returns
    /// every player's result. Returns `None` when no question is open.
    pub fn close(&mut self) -> Option<Closed> {
        let Phase::Open { index, .. } = self.phase else {
            return None;
        };
        self.phase = Phase::Closed { index };
        let counts_points = self.question(index).points > 0;
        for (player, answer) in self.players.iter_mut().zip(&self.answers) {
            if answer.is_none() && counts_points {
                player.streak = 0;
            }
        }

        let ranks = rank_players(&self.players);
        let results = self
            .players
            .iter()
            .enumerate()
            .map(|(i, p)| PlayerResult {
                player: i,
                answer: self.answers[i],
                score: p.score,
                rank: ranks[i],
                streak: p.streak,
            })
            .collect();
        Some(Closed {
            index,
            correct: self.question(index).correct.clone(),
            counts: self.counts.clone(),
            answered: self.answered,
            results,
            more: index + 1 < self.bank.questions.len(),
        })
    }

    /// Ends the game and returns every player's standing, best first.
    pub fn finish(&mut self) -> Vec<Standing> {
        self.phase = Phase::Over;
        self.standings()
    }

    /// Returns every player's standing, best first; ties share a rank and are ordered by join.
    pub fn standings(&self) -> Vec<Standing> {
        standings::standings(&self.players, usize::MAX)
    }

    /// Returns the first `n` standings.
    pub fn top(&self, n: usize) -> Vec<Standing> {
        standings::standings(&self.players, n)
    }
}

/// Applies a judged answer to `player`'s streak and score and returns the points earned.
///
/// A question worth 0 points awards nothing and leaves the streak as it was.
fn score_answer(
    player: &mut Player,
    correct: bool,
    points_possible: u32,
    elapsed: Duration,
    limit: Duration,
) -> u64 {
    if points_possible == 0 {
        if correct {
            player.correct += 1;
        }
        return 0;
    }
    if !correct {
        player.streak = 0;
        return 0;
    }
    player.streak += 1;
    player.correct += 1;
    let points = scoring::speed_points(points_possible, elapsed, limit)
        + scoring::streak_bonus(player.streak);
    player.score += points;
    points
}

#[cfg(test)]
mod tests;
