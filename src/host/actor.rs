//! The game actor: one task per game that owns a [`Game`], its clock and its fanout.
//!
//! Everything that changes a game goes through the actor's command queue, so the game needs no
//! lock and events reach players in the order the actor produced them. The actor publishes to
//! the channel hub, reports to the host's front end with [`HostEvent`]s, and answers the HTTP
//! and WebSocket handlers through oneshot replies.

use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::sleep_until;

use crate::game::{Answer, AnswerError, Closed, Game, JoinError, KickError, Phase, PlayerIndex};
use crate::host::events::{HostCommand, HostEvent, QuestionInfo, Standing};
use crate::protocol::{
    CLOSE_GAME_OVER, CLOSE_KICKED, Channel, PlayerChannelEvent, QuestionsEvent, unix_ms,
};
use crate::server::hub::Hub;
use crate::server::registry::{Registry, Session};
use crate::store::{Record, Store, Totals};

/// Answers stamped before the deadline may still be queued when it passes, so the actor closes a
/// question this long after its deadline and they are scored. Answers stamped after the
/// deadline are rejected whatever the grace.
pub const CLOSE_GRACE: Duration = Duration::from_millis(250);
/// How often the live answer count and leaderboard go to the front end while answers arrive.
pub const LIVE_UPDATE_INTERVAL: Duration = Duration::from_millis(100);
/// Players shown on the leaderboard.
pub const TOP: usize = 5;
/// Capacity of a game's command queue.
pub const COMMAND_QUEUE: usize = 4096;

/// A request to a game actor.
pub enum GameCommand {
    /// Add a player; replies with the new player or why not.
    Join {
        player_id: String,
        name: String,
        token: String,
        reply: oneshot::Sender<Result<Joined, JoinError>>,
    },
    /// A WebSocket of `player` completed `connection_init`.
    Connect { player: PlayerIndex },
    /// A WebSocket of `player` closed.
    Disconnect { player: PlayerIndex },
    /// Judge an answer received at `received_at`; `option` is 0-based.
    ///
    /// `respond` is called with the verdict before anything else happens, in particular before
    /// an answer that completes the question closes it, so the player's acknowledgement is
    /// queued ahead of its result.
    Answer {
        player: PlayerIndex,
        index: usize,
        option: usize,
        received_at: Instant,
        respond: AnswerResponder,
    },
    /// Call `respond` with the open question as a serialized question-channel event, or with
    /// `None` when no question is open.
    CurrentQuestion { respond: QuestionResponder },
    /// Call `respond` with `player`'s standing as a serialized private-channel `snapshot`.
    PlayerSnapshot {
        player: PlayerIndex,
        respond: EventResponder,
    },
    /// Move the game on or kick a player for the admin API; replies with the game's status
    /// after the action, or why the action is not allowed now.
    Control {
        action: Control,
        reply: oneshot::Sender<Result<GameStatus, ControlError>>,
    },
    /// Reply with the game's players and standings.
    Report { reply: oneshot::Sender<GameReport> },
}

/// An action of the admin API on one game.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// Open the first question; allowed only in the lobby.
    Start,
    /// Close the open question, or open the next one (ending the game after the last).
    Next,
    /// End the game now; an open question is closed first and scored.
    End,
    /// Remove a player for the rest of the game.
    Kick { player_id: String, reason: String },
}

/// The reason a [`Control`] action was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ControlError {
    /// The action does not fit the game's current phase.
    #[error("{0}")]
    Conflict(String),
    /// No player with this id is in the game.
    #[error("no player with id {0:?} in this game")]
    UnknownPlayer(String),
}

/// A game's players and standings, for the admin API.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GameReport {
    pub status: GameStatus,
    /// Every player in join order, kicked ones included.
    pub players: Vec<PlayerReport>,
    /// Standings of the players not kicked, best first.
    pub standings: Vec<Standing>,
}

/// One player as the admin API reports it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct PlayerReport {
    pub player_id: String,
    pub name: String,
    pub score: u64,
    pub correct: u32,
    /// Whether the player has an open connection.
    pub connected: bool,
    /// The host's reason, if the player was kicked.
    pub kicked: Option<String>,
}

/// Delivers the verdict on an answer to the connection that sent it.
pub type AnswerResponder = Box<dyn FnOnce(&Result<Answer, AnswerError>) + Send>;

/// Delivers the open question to the connection that subscribed.
pub type QuestionResponder = Box<dyn FnOnce(Option<String>) + Send>;
/// Delivers a serialized event to the connection that asked for it.
pub type EventResponder = Box<dyn FnOnce(String) + Send>;

/// A player admitted by [`GameCommand::Join`].
#[derive(Debug, Clone)]
pub struct Joined {
    pub player: PlayerIndex,
    pub player_id: String,
    pub name: String,
}

/// The part of a game's state that `GET /api/games/{code}` reports.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct GameStatus {
    /// `lobby`, `question`, `results` or `over`.
    pub state: &'static str,
    pub players: usize,
    pub questions: usize,
    /// 0-based index of the current or last question, if the game has started.
    pub question: Option<usize>,
}

/// The server's handle to a running game.
#[derive(Debug, Clone)]
pub struct GameHandle {
    pub code: String,
    pub title: String,
    pub commands: mpsc::Sender<GameCommand>,
    pub status: watch::Receiver<GameStatus>,
}

/// The rules that move a game on without a person pressing keys.
#[derive(Debug, Clone, Copy, Default)]
pub struct Automation {
    /// Start when this many players are connected.
    pub auto_start: Option<usize>,
    /// Open the next question (or end the game) this long after a question closes.
    pub auto_advance: Option<Duration>,
}

/// Starts a game actor for `game` and returns its handle. `registry` is where its players'
/// tokens and connections are, so that kicks and the game's end can close them.
pub fn spawn(
    game: Game,
    hub: Arc<Hub>,
    registry: Arc<Registry>,
    store: Store,
    automation: Automation,
    host_commands: mpsc::UnboundedReceiver<HostCommand>,
    events: mpsc::UnboundedSender<HostEvent>,
) -> (GameHandle, tokio::task::JoinHandle<()>) {
    let (tx, rx) = mpsc::channel(COMMAND_QUEUE);
    let code = game.code().to_string();
    let title = game.bank().title.clone();
    let (status_tx, status_rx) = watch::channel(status_of(&game));
    // A game resumed between questions moves on by itself like any other closed question.
    let advance_at = match (game.phase(), automation.auto_advance) {
        (Phase::Closed { .. }, Some(delay)) => Some(tokio::time::Instant::now() + delay),
        _ => None,
    };
    let actor = Actor {
        game,
        hub,
        registry,
        store,
        automation,
        events,
        status: status_tx,
        advance_at,
        live_dirty: false,
    };
    let task = tokio::spawn(actor.run(rx, host_commands));
    let handle = GameHandle {
        code,
        title,
        commands: tx,
        status: status_rx,
    };
    (handle, task)
}

struct Actor {
    game: Game,
    hub: Arc<Hub>,
    registry: Arc<Registry>,
    /// Every message to players goes out through the store, after what it depends on is
    /// committed.
    store: Store,
    automation: Automation,
    events: mpsc::UnboundedSender<HostEvent>,
    status: watch::Sender<GameStatus>,
    /// When auto-advance moves on next.
    advance_at: Option<tokio::time::Instant>,
    /// Whether answers arrived since the last live update.
    live_dirty: bool,
}

impl Actor {
    async fn run(
        mut self,
        mut commands: mpsc::Receiver<GameCommand>,
        mut host_commands: mpsc::UnboundedReceiver<HostCommand>,
    ) {
        let mut live_ticker = tokio::time::interval(LIVE_UPDATE_INTERVAL);
        live_ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut host_open = true;
        loop {
            let close_at = self.close_at();
            let advance_at = self.advance_at;
            tokio::select! {
                // Commands first, so that answers queued before the close timer fires are judged.
                biased;
                command = commands.recv() => match command {
                    Some(command) => self.handle(command),
                    None => break,
                },
                command = host_commands.recv(), if host_open => match command {
                    Some(HostCommand::Quit) => break,
                    Some(command) => self.handle_host(command),
                    None => host_open = false,
                },
                _ = sleep_until_opt(close_at) => self.close_question(),
                _ = sleep_until_opt(advance_at) => {
                    self.advance_at = None;
                    self.advance();
                }
                _ = live_ticker.tick(), if self.live_dirty => self.send_live_update(),
            }
            self.status.send_if_modified(|s| {
                let new = status_of(&self.game);
                let changed = *s != new;
                *s = new;
                changed
            });
        }
        tracing::info!(game.code = self.game.code(), "game actor stopped");
    }

    fn close_at(&self) -> Option<tokio::time::Instant> {
        match self.game.phase() {
            Phase::Open { deadline, .. } => {
                Some(tokio::time::Instant::from_std(deadline + CLOSE_GRACE))
            }
            _ => None,
        }
    }

    fn handle(&mut self, command: GameCommand) {
        match command {
            GameCommand::Join {
                player_id,
                name,
                token,
                reply,
            } => match self.join(player_id, name, token) {
                // The player gets its token only once it is stored, so a host restart
                // cannot forget an admitted player.
                Ok((joined, record)) => self.store.write(
                    Some(record),
                    Some(Box::new(move || {
                        let _ = reply.send(Ok(joined));
                    })),
                ),
                Err(e) => {
                    let _ = reply.send(Err(e));
                }
            },
            GameCommand::Connect { player } => {
                self.game.connect(player);
                self.maybe_auto_start();
            }
            GameCommand::Disconnect { player } => {
                self.game.disconnect(player);
                if self.game.everyone_answered() {
                    self.close_question();
                }
            }
            GameCommand::Answer {
                player,
                index,
                option,
                received_at,
                respond,
            } => {
                let result = self.game.answer(player, index, option, received_at);
                let record = result
                    .as_ref()
                    .ok()
                    .map(|answer| self.answer_record(player, index, answer, received_at));
                let accepted = result.is_ok();
                // The acknowledgement waits for the answer's commit: an acknowledged answer is
                // stored.
                self.store
                    .write(record, Some(Box::new(move || respond(&result))));
                if accepted {
                    self.live_dirty = true;
                    if self.game.everyone_answered() {
                        self.close_question();
                    }
                }
            }
            GameCommand::CurrentQuestion { respond } => {
                let event = self.question_state_event();
                self.store
                    .write(None, Some(Box::new(move || respond(event))));
            }
            GameCommand::PlayerSnapshot { player, respond } => {
                let event = self.snapshot_event(player);
                self.store
                    .write(None, Some(Box::new(move || respond(event))));
            }
            GameCommand::Control { action, reply } => {
                let result = self.control(action).map(|()| status_of(&self.game));
                // The reply waits for the records the action wrote, such as a kick, so an
                // acknowledged action survives a crash.
                self.store.write(
                    None,
                    Some(Box::new(move || {
                        let _ = reply.send(result);
                    })),
                );
            }
            GameCommand::Report { reply } => {
                let _ = reply.send(self.report());
            }
        }
    }

    /// Carries out an admin API action if the game's phase allows it.
    fn control(&mut self, action: Control) -> Result<(), ControlError> {
        let phase = self.game.phase();
        let conflict = |message: &str| Err(ControlError::Conflict(message.to_string()));
        match (action, phase) {
            (_, Phase::Over) => conflict("the game is over"),
            (Control::Start, Phase::Lobby) => {
                self.advance();
                Ok(())
            }
            (Control::Start, _) => conflict("the game has already started; use next to move on"),
            (Control::Next, Phase::Lobby) => conflict("the game has not started; use start first"),
            (Control::Next, Phase::Open { .. }) => {
                self.close_question();
                Ok(())
            }
            (Control::Next, Phase::Closed { .. }) => {
                self.advance();
                Ok(())
            }
            (Control::End, _) => {
                self.close_question();
                self.finish();
                Ok(())
            }
            (Control::Kick { player_id, reason }, _) => self.kick(&player_id, &reason),
        }
    }

    /// Removes a player for the rest of the game: revokes its tokens and closes its
    /// connections with [`CLOSE_KICKED`] and `reason`.
    fn kick(&mut self, player_id: &str, reason: &str) -> Result<(), ControlError> {
        let index = self.game.kick(player_id, reason).map_err(|e| match e {
            KickError::UnknownPlayer(id) => ControlError::UnknownPlayer(id),
            e => ControlError::Conflict(e.to_string()),
        })?;
        let code = self.game.code().to_string();
        let closed = self
            .registry
            .revoke_player(&code, player_id, CLOSE_KICKED, reason);
        let record = Record::Kicked {
            code: code.clone(),
            player_id: player_id.to_string(),
            reason: reason.to_string(),
        };
        self.store.write(Some(record), None);
        let name = self.game.players()[index].name.clone();
        tracing::info!(game.code = %code, player.id = %player_id, player.name = %name, %reason, connections = closed, "player kicked");
        self.emit(HostEvent::PlayerKicked { name });
        // The open question no longer waits for the kicked player.
        if self.game.everyone_answered() {
            self.close_question();
        }
        Ok(())
    }

    fn report(&self) -> GameReport {
        let players = self
            .game
            .players()
            .iter()
            .map(|p| PlayerReport {
                player_id: p.id.clone(),
                name: p.name.clone(),
                score: p.score,
                correct: p.correct,
                connected: p.connections > 0,
                kicked: p.kicked.clone(),
            })
            .collect();
        GameReport {
            status: status_of(&self.game),
            players,
            standings: self.game.standings(),
        }
    }

    fn handle_host(&mut self, command: HostCommand) {
        match command {
            HostCommand::Advance => self.advance(),
            HostCommand::CloseQuestion => self.close_question(),
            HostCommand::Kick { name, reason } => {
                let id = self
                    .game
                    .players()
                    .iter()
                    .find(|p| p.name == name)
                    .map(|p| p.id.clone());
                let result = match id {
                    Some(id) => self.kick(&id, &reason),
                    None => Err(ControlError::UnknownPlayer(name.clone())),
                };
                if let Err(e) = result {
                    tracing::warn!(game.code = self.game.code(), player.name = %name, error = %e, "cannot kick player");
                }
            }
            HostCommand::Quit => {}
        }
    }

    fn join(
        &mut self,
        player_id: String,
        name: String,
        token: String,
    ) -> Result<(Joined, Record), JoinError> {
        let player = self.game.join(&player_id, &name, token.clone())?;
        let name = self.game.players()[player].name.clone();
        // The session is registered here rather than by the HTTP handler, so that a kick the
        // actor handles before the handler gets the reply still finds and revokes the token.
        self.registry.add_session(
            token.clone(),
            Session {
                code: self.game.code().to_string(),
                player,
                player_id: player_id.clone(),
                name: name.clone(),
            },
        );
        let record = Record::Player {
            code: self.game.code().to_string(),
            player_id: player_id.clone(),
            name: name.clone(),
            token,
            position: player,
        };
        tracing::info!(game.code = self.game.code(), player.id = %player_id, player.name = %name, "player joined");
        self.emit(HostEvent::PlayerJoined {
            name: name.clone(),
            players: self.game.players().len(),
        });
        let joined = Joined {
            player,
            player_id,
            name,
        };
        Ok((joined, record))
    }

    fn answer_record(
        &self,
        player: PlayerIndex,
        index: usize,
        answer: &Answer,
        received_at: Instant,
    ) -> Record {
        let p = &self.game.players()[player];
        let age_ms = received_at.elapsed().as_millis() as u64;
        Record::Answer {
            received_at_ms: unix_ms().saturating_sub(age_ms),
            code: self.game.code().to_string(),
            index,
            player_id: p.id.clone(),
            option: answer.option,
            elapsed_ms: answer.elapsed.as_millis() as u64,
            correct: answer.correct,
            points: answer.points,
            totals: Totals {
                score: p.score,
                streak: p.streak,
                correct: p.correct,
            },
        }
    }

    /// Publishes `messages` (channel, event) in order once `record` is committed.
    fn publish_after(&self, record: Option<Record>, messages: Vec<(String, String)>) {
        let hub = self.hub.clone();
        self.store.write(
            record,
            Some(Box::new(move || {
                for (channel, event) in &messages {
                    hub.publish(channel, event);
                }
            })),
        );
    }

    fn maybe_auto_start(&mut self) {
        let Some(wanted) = self.automation.auto_start else {
            return;
        };
        if self.game.phase() == Phase::Lobby && self.game.connected() >= wanted {
            tracing::info!(game.code = self.game.code(), players = wanted, "auto-start");
            self.advance();
        }
    }

    /// Starts the game, opens the next question, or ends the game, depending on the phase.
    fn advance(&mut self) {
        match self.game.phase() {
            Phase::Lobby | Phase::Closed { .. } => {
                if self.game.next_index().is_some() {
                    self.open_question();
                } else {
                    self.finish();
                }
            }
            Phase::Open { .. } | Phase::Over => {}
        }
    }

    fn open_question(&mut self) {
        let now = Instant::from(tokio::time::Instant::now());
        let Some(index) = self.game.open_next(now) else {
            return;
        };
        let question = self.game.question(index).clone();
        let event = self
            .current_question_event()
            .expect("a question was just opened");
        let record = Record::Opened {
            code: self.game.code().to_string(),
            index,
        };
        self.publish_after(Some(record), vec![(self.channel_questions(), event)]);

        let Phase::Open { deadline, .. } = self.game.phase() else {
            unreachable!("open_next opens a question");
        };
        tracing::info!(
            game.code = self.game.code(),
            question.index = index,
            "question opened"
        );
        self.emit(HostEvent::QuestionStarted {
            question: QuestionInfo {
                index,
                total: self.game.bank().questions.len(),
                text: question.text,
                options: question.options,
                time_limit_secs: question.time_limit_secs,
                points: question.points,
            },
            deadline,
            connected: self.game.connected(),
        });
    }

    /// Returns what a player subscribing to the question channel needs to see now: the open
    /// question, or between questions the last question's close (so a player who comes back,
    /// also after a host restart, sees its outcome), or nothing in the lobby and after the end.
    fn question_state_event(&self) -> Option<String> {
        let Phase::Closed { index } = self.game.phase() else {
            return self.current_question_event();
        };
        let event = QuestionsEvent::QuestionClosed {
            index,
            correct: self
                .game
                .question(index)
                .correct
                .iter()
                .map(|c| c + 1)
                .collect(),
            counts: self.game.counts().to_vec(),
            sent_at_ms: unix_ms(),
        };
        Some(serde_json::to_string(&event).expect("events always serialize"))
    }

    fn current_question_event(&self) -> Option<String> {
        let Phase::Open {
            index, deadline, ..
        } = self.game.phase()
        else {
            return None;
        };
        let question = self.game.question(index);
        let now = Instant::from(tokio::time::Instant::now());
        let event = QuestionsEvent::Question {
            index,
            total: self.game.bank().questions.len(),
            text: question.text.clone(),
            options: question.options.clone(),
            time_limit_ms: u64::from(question.time_limit_secs) * 1000,
            remaining_ms: deadline.saturating_duration_since(now).as_millis() as u64,
            points: question.points,
            sent_at_ms: unix_ms(),
        };
        Some(serde_json::to_string(&event).expect("events always serialize"))
    }

    fn snapshot_event(&self, player: PlayerIndex) -> String {
        let players = self.game.players();
        let me = &players[player];
        let ahead = players
            .iter()
            .filter(|p| p.kicked.is_none() && p.score > me.score)
            .count();
        let rank = 1 + ahead as u32;
        let answered = match self.game.phase() {
            Phase::Open { index, .. } => self.game.has_answered(player).then_some(index),
            _ => None,
        };
        let event = PlayerChannelEvent::Snapshot {
            score: me.score,
            rank,
            players: self.game.ranked_count(),
            streak: me.streak,
            correct: me.correct,
            answered,
            sent_at_ms: unix_ms(),
        };
        serde_json::to_string(&event).expect("events always serialize")
    }

    fn close_question(&mut self) {
        let Some(closed) = self.game.close() else {
            return;
        };
        tracing::info!(
            game.code = self.game.code(),
            question.index = closed.index,
            answered = closed.answered,
            "question closed"
        );
        self.live_dirty = false;
        let record = Record::Closed {
            code: self.game.code().to_string(),
            index: closed.index,
            // Only players who did not answer can have a streak the store has not seen: every
            // answer was stored with the streak it produced.
            streaks: closed
                .results
                .iter()
                .filter(|r| r.answer.is_none())
                .map(|r| (self.game.players()[r.player].id.clone(), r.streak))
                .collect(),
        };
        let mut messages = vec![self.closed_message(&closed)];
        messages.extend(self.result_messages(&closed));
        self.publish_after(Some(record), messages);
        self.emit(HostEvent::QuestionClosed {
            index: closed.index,
            correct: closed.correct.clone(),
            counts: closed.counts.clone(),
            answered: closed.answered,
            top: self.game.top(TOP),
            more: closed.more,
        });
        if let Some(delay) = self.automation.auto_advance {
            self.advance_at = Some(tokio::time::Instant::now() + delay);
        }
    }

    fn closed_message(&self, closed: &Closed) -> (String, String) {
        let event = QuestionsEvent::QuestionClosed {
            index: closed.index,
            correct: closed.correct.iter().map(|c| c + 1).collect(),
            counts: closed.counts.clone(),
            sent_at_ms: unix_ms(),
        };
        let json = serde_json::to_string(&event).expect("events always serialize");
        (self.channel_questions(), json)
    }

    /// Returns every player's own result, for its private channel.
    fn result_messages(&self, closed: &Closed) -> Vec<(String, String)> {
        let players = self.game.players();
        let sent_at_ms = unix_ms();
        let ranked = self.game.ranked_count();
        let mut messages = Vec::with_capacity(closed.results.len());
        for result in &closed.results {
            let player = &players[result.player];
            if player.kicked.is_some() {
                continue;
            }
            let event = PlayerChannelEvent::Result {
                index: closed.index,
                correct: result.answer.is_some_and(|a| a.correct),
                option: result.answer.map(|a| a.option + 1),
                points: result.answer.map_or(0, |a| a.points),
                score: result.score,
                rank: result.rank,
                players: ranked,
                streak: result.streak,
                sent_at_ms,
            };
            let json = serde_json::to_string(&event).expect("events always serialize");
            messages.push((self.channel_player(&player.id), json));
        }
        messages
    }

    fn finish(&mut self) {
        let results = self.game.finish();
        let players = self.game.players();
        let ranks = crate::game::rank_players(players);
        let sent_at_ms = unix_ms();
        let ranked = self.game.ranked_count();
        let mut messages = Vec::with_capacity(players.len() + 1);
        for (i, player) in players.iter().enumerate() {
            if player.kicked.is_some() {
                continue;
            }
            let event = PlayerChannelEvent::Final {
                rank: ranks[i],
                score: player.score,
                correct: player.correct,
                players: ranked,
                sent_at_ms,
            };
            let json = serde_json::to_string(&event).expect("events always serialize");
            messages.push((self.channel_player(&player.id), json));
        }
        let event = QuestionsEvent::GameOver {
            players: ranked,
            sent_at_ms,
        };
        let json = serde_json::to_string(&event).expect("events always serialize");
        messages.push((self.channel_questions(), json));
        let code = self.game.code().to_string();
        let record = Record::Finished {
            code: code.clone(),
            results: players
                .iter()
                .enumerate()
                .filter(|(_, p)| p.kicked.is_none())
                .map(|(i, p)| (p.id.clone(), ranks[i], p.name.clone(), p.score, p.correct))
                .collect(),
        };
        // The close frames queue behind the final events on each connection, so players get
        // their final standing first.
        let hub = self.hub.clone();
        let registry = self.registry.clone();
        self.store.write(
            Some(record),
            Some(Box::new(move || {
                for (channel, event) in &messages {
                    hub.publish(channel, event);
                }
                registry.close_game(&code, CLOSE_GAME_OVER, "the game is over");
            })),
        );
        tracing::info!(
            game.code = self.game.code(),
            players = players.len(),
            "game over"
        );
        self.emit(HostEvent::GameOver { results });
    }

    fn send_live_update(&mut self) {
        self.live_dirty = false;
        self.emit(HostEvent::AnswerReceived {
            answered: self.game.answered(),
            connected: self.game.connected(),
        });
        self.emit(HostEvent::Leaderboard {
            top: self.game.top(TOP),
        });
    }

    fn emit(&self, event: HostEvent) {
        // The front end may have quit already; the game keeps running for the players.
        let _ = self.events.send(event);
    }

    fn channel_questions(&self) -> String {
        Channel::Questions {
            code: self.game.code().to_string(),
        }
        .path()
    }

    fn channel_player(&self, player_id: &str) -> String {
        Channel::Player {
            code: self.game.code().to_string(),
            player_id: player_id.to_string(),
        }
        .path()
    }
}

fn status_of(game: &Game) -> GameStatus {
    let (state, question) = match game.phase() {
        Phase::Lobby => ("lobby", None),
        Phase::Open { index, .. } => ("question", Some(index)),
        Phase::Closed { index } => ("results", Some(index)),
        Phase::Over => ("over", None),
    };
    GameStatus {
        state,
        players: game.players().len(),
        questions: game.bank().questions.len(),
        question,
    }
}

async fn sleep_until_opt(at: Option<tokio::time::Instant>) {
    match at {
        Some(at) => sleep_until(at).await,
        None => std::future::pending().await,
    }
}
