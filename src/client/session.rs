//! A player's game session: join (or come back to a remembered session), open the WebSocket,
//! subscribe, then turn frames into [`PlayerEvent`]s and [`PlayerCommand`]s into answers until
//! the game ends.
//!
//! When the connection drops before the game is over, the session reconnects by itself with
//! the same token (see [`ReconnectPolicy`]). If the host's epoch is unchanged, it resubscribes
//! from the last sequence number seen on each channel and the host replays what was missed;
//! otherwise the host restarted, sequence numbers restarted with it, and the session
//! resubscribes from scratch and gets the open question and its standing instead.

use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use super::ClientError;
use super::connection::{
    self, OpenError, Opened, PRIVATE_SUBSCRIPTION, QUESTIONS_SUBSCRIPTION, Socket,
};
use super::events::{PlayerCommand, PlayerEvent};
use super::join::{self, JoinTarget, RetryPolicy};
use super::memory::{SavedSession, StateFile};
use super::probe::Probe;
use super::reconnect::{Backoff, ReconnectPolicy};
use crate::protocol::{
    AnswerEvent, CLOSE_HOST_ENDED, CONNECTION_TIMEOUT_MS, Channel, ClientMessage,
    PlayerChannelEvent, QuestionsEvent, ServerMessage, close_is_final, unix_ms,
};
use crate::server::http::{JoinRequest, JoinResponse};

/// A `data` frame with its event left as JSON text.
#[derive(serde::Deserialize)]
struct DataFrame<'a> {
    #[serde(borrow)]
    id: std::borrow::Cow<'a, str>,
    seq: u64,
    #[serde(borrow)]
    event: &'a serde_json::value::RawValue,
}

/// The settings of a player session.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub target: JoinTarget,
    pub name: String,
    pub player_id: String,
    pub retry: RetryPolicy,
    /// The recorder of latencies and losses, for load reports.
    pub probe: Option<Arc<Probe>>,
}

/// Reconnect policy and session memory of a session.
#[derive(Debug, Clone, Default)]
pub struct SessionOptions {
    pub reconnect: ReconnectPolicy,
    /// Session memory. With it, a session on a join URL joined before comes back as the same
    /// player, and a finished game's entry is removed.
    pub state_file: Option<StateFile>,
    /// Whether `SessionConfig::player_id` was chosen by the user. A remembered session of
    /// another player id is then not used.
    pub keep_player_id: bool,
}

/// The outcome of a finished session, for checks and load reports.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SessionSummary {
    pub rank: u32,
    pub score: u64,
    pub players: usize,
    /// Messages missing from a channel's sequence numbers.
    pub lost: u64,
}

/// Runs a whole session: joins, plays, and returns when the game is over.
pub async fn run(
    config: SessionConfig,
    events: mpsc::UnboundedSender<PlayerEvent>,
    commands: mpsc::UnboundedReceiver<PlayerCommand>,
) -> Result<SessionSummary, ClientError> {
    let http = http_client()?;
    run_with(&http, config, events, commands).await
}

/// Builds the HTTP client sessions join with.
pub fn http_client() -> Result<reqwest::Client, ClientError> {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(10))
        // A swarm shares this client; idle connections would each hold a file descriptor on
        // both ends while thousands of players wait to retry.
        .pool_max_idle_per_host(16)
        .build()
        .map_err(|e| ClientError::Protocol(format!("cannot build the HTTP client: {e}")))
}

/// Runs a whole session joining through `http`, which many sessions may share, with the
/// default reconnect policy and no session memory.
pub async fn run_with(
    http: &reqwest::Client,
    config: SessionConfig,
    events: mpsc::UnboundedSender<PlayerEvent>,
    commands: mpsc::UnboundedReceiver<PlayerCommand>,
) -> Result<SessionSummary, ClientError> {
    run_with_options(http, config, SessionOptions::default(), events, commands).await
}

/// Runs a whole session joining through `http` with `options`.
pub async fn run_with_options(
    http: &reqwest::Client,
    config: SessionConfig,
    options: SessionOptions,
    events: mpsc::UnboundedSender<PlayerEvent>,
    commands: mpsc::UnboundedReceiver<PlayerCommand>,
) -> Result<SessionSummary, ClientError> {
    let key = StateFile::key(&config.target);
    let (joined, opened) = admit(http, &config, &options, &key, &events).await?;
    if let Some(file) = &options.state_file {
        file.put(&key, SavedSession::from_join(&joined));
    }
    let connect_failed = |reason: String| ClientError::Connect {
        url: joined.ws_url.clone(),
        why: reason,
    };
    let mut opened = match opened {
        Some(opened) => opened,
        None => connection::open(&joined.ws_url, &joined.token)
            .await
            .map_err(|e| match e {
                OpenError::Unauthorized(reason) | OpenError::Failed(reason) => {
                    connect_failed(reason)
                }
            })?,
    };
    let early = connection::subscribe(
        &mut opened.socket,
        &joined.code,
        &joined.player_id,
        [None, None],
    )
    .await
    .map_err(connect_failed)?;

    let _ = events.send(PlayerEvent::Joined {
        name: opened.name.clone(),
        player_id: opened.player_id.clone(),
        title: joined.title.clone(),
        code: joined.code.clone(),
    });
    let mut session = Session {
        socket: opened.socket,
        epoch: opened.epoch,
        joined,
        events,
        commands,
        commands_open: true,
        pending: HashMap::new(),
        answered: HashSet::new(),
        queued: VecDeque::new(),
        last_question: None,
        open_question: None,
        last_seq: HashMap::new(),
        replaying: false,
        lost: 0,
        probe: config.probe,
        reconnect: options.reconnect,
    };
    let mut result = session.handle_early(early, false);
    if let Ok(None) = result {
        result = session.play().await.map(Some);
    }
    match result {
        Ok(Some(summary)) => {
            if let Some(file) = &options.state_file {
                file.remove(&key);
            }
            Ok(summary)
        }
        Ok(None) => unreachable!("play returns only when the game is over"),
        Err(e) => Err(e),
    }
}

/// Gets a session for `config`: the remembered one if the host still accepts its token (with
/// the WebSocket already open), else a join with the remembered id and token, else a fresh
/// join.
async fn admit(
    http: &reqwest::Client,
    config: &SessionConfig,
    options: &SessionOptions,
    key: &str,
    events: &mpsc::UnboundedSender<PlayerEvent>,
) -> Result<(JoinResponse, Option<Opened>), ClientError> {
    let on_retry = |notice: join::RetryNotice| {
        let _ = events.send(PlayerEvent::Retrying {
            status: notice.status,
            attempt: notice.attempt,
            wait: notice.wait,
        });
    };
    let saved = options
        .state_file
        .as_ref()
        .and_then(|file| file.get(key))
        .filter(|saved| !options.keep_player_id || saved.player_id == config.player_id)
        .filter(|saved| saved.matches_name(&config.name));
    if let Some(saved) = saved {
        let remembered = saved.to_join(&config.target);
        match connection::open(&remembered.ws_url, &remembered.token).await {
            Ok(opened) => {
                tracing::info!(player.id = %remembered.player_id, "resumed the remembered session");
                return Ok((remembered, Some(opened)));
            }
            Err(OpenError::Unauthorized(reason) | OpenError::Failed(reason)) => {
                tracing::info!(player.id = %remembered.player_id, error = %reason, "cannot resume the remembered session; joining again with its token");
            }
        }
        let request = JoinRequest {
            player_id: saved.player_id.clone(),
            name: saved.name.clone(),
            token: Some(saved.token.clone()),
        };
        match join::join(http, &config.target, &request, config.retry, on_retry).await {
            Ok(joined) => return Ok((joined, None)),
            Err(e @ (ClientError::GaveUp { .. } | ClientError::GameNotFound { .. })) => {
                return Err(e);
            }
            Err(e) => {
                tracing::warn!(player.id = %saved.player_id, error = %e, "the host rejected the remembered session; joining as a new player");
            }
        }
    }
    let request = JoinRequest {
        player_id: config.player_id.clone(),
        name: config.name.clone(),
        token: None,
    };
    let joined = join::join(http, &config.target, &request, config.retry, on_retry).await?;
    Ok((joined, None))
}

struct Session {
    socket: Socket,
    /// The host run's epoch from the latest `connection_ack`.
    epoch: String,
    joined: JoinResponse,
    events: mpsc::UnboundedSender<PlayerEvent>,
    commands: mpsc::UnboundedReceiver<PlayerCommand>,
    commands_open: bool,
    /// Answers sent on the current connection and not yet acknowledged, by publish id:
    /// question index, 0-based option, and when it was sent.
    pending: HashMap<String, (usize, usize, Instant)>,
    /// Questions this player sent an answer to, or that the host reported answered. An
    /// answer is published at most once per question, over every connection.
    answered: HashSet<usize>,
    /// Answers chosen while the connection was down, in order: question index and 0-based
    /// option.
    queued: VecDeque<(usize, usize)>,
    /// Index of the newest question shown, so a repeated question is not shown twice.
    last_question: Option<usize>,
    /// Index of the question shown and not yet closed.
    open_question: Option<usize>,
    last_seq: HashMap<String, u64>,
    /// Whether the messages being handled were replayed from before a reconnect.
    replaying: bool,
    lost: u64,
    probe: Option<Arc<Probe>>,
    reconnect: ReconnectPolicy,
}

enum Step {
    Continue,
    Finished(SessionSummary),
}

impl Session {
    /// Plays until the game is over, reconnecting whenever the connection drops.
    async fn play(&mut self) -> Result<SessionSummary, ClientError> {
        loop {
            let reason = match self.play_connected().await {
                Ok(summary) => {
                    let _ = self.socket.close(None).await;
                    return Ok(summary);
                }
                Err(ClientError::ConnectionLost(reason)) => reason,
                Err(e) => return Err(e),
            };
            if let Some(summary) = self.reconnect(reason).await? {
                let _ = self.socket.close(None).await;
                return Ok(summary);
            }
        }
    }

    /// Plays on the current connection until the game is over or the connection drops.
    async fn play_connected(&mut self) -> Result<SessionSummary, ClientError> {
        self.send_queued().await?;
        let timeout = Duration::from_millis(CONNECTION_TIMEOUT_MS);
        loop {
            tokio::select! {
                frame = tokio::time::timeout(timeout, self.socket.next()) => {
                    let frame = frame.map_err(|_| ClientError::ConnectionLost(format!(
                        "no message from the host for {} s", timeout.as_secs()
                    )))?;
                    if let Step::Finished(summary) = self.on_frame(frame)? {
                        return Ok(summary);
                    }
                }
                command = self.commands.recv(), if self.commands_open => match command {
                    Some(PlayerCommand::Answer { index, option }) => self.answer(index, option).await?,
                    None => self.commands_open = false,
                },
            }
        }
    }

    /// Reopens the connection with backoff after it dropped because of `reason`. Returns the
    /// summary if the events replayed on the new connection finish the game.
    async fn reconnect(&mut self, reason: String) -> Result<Option<SessionSummary>, ClientError> {
        tracing::warn!(player.id = %self.joined.player_id, error = %reason, "lost the connection to the host; reconnecting");
        // Replies to answers sent on the old connection can no longer arrive.
        self.pending.clear();
        let dropped = Instant::now();
        let mut backoff = Backoff::new(&self.reconnect);
        let mut last = reason;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let wait = backoff.next_wait();
            if dropped.elapsed() + wait > self.reconnect.give_up_after {
                return Err(ClientError::ReconnectGaveUp {
                    after: dropped.elapsed(),
                    attempts: attempt - 1,
                    last,
                });
            }
            self.emit(PlayerEvent::Reconnecting { attempt, wait });
            self.queue_commands_for(wait).await;

            let mut opened = match connection::open(&self.joined.ws_url, &self.joined.token).await {
                Ok(opened) => opened,
                Err(OpenError::Unauthorized(reason)) => {
                    tracing::error!(player.id = %self.joined.player_id, error = %reason, "the host rejected the session token");
                    return Err(ClientError::SessionRejected(reason));
                }
                Err(OpenError::Failed(reason)) => {
                    tracing::info!(attempt, error = %reason, "reconnect attempt failed");
                    last = reason;
                    continue;
                }
            };
            let same_run = opened.epoch == self.epoch;
            if !same_run {
                tracing::info!(old = %self.epoch, new = %opened.epoch, "the host restarted; resubscribing from scratch");
                self.last_seq.clear();
            }
            let since = |subscription: &str| {
                same_run.then(|| self.last_seq.get(subscription).copied().unwrap_or(0))
            };
            let since_seq = [since(QUESTIONS_SUBSCRIPTION), since(PRIVATE_SUBSCRIPTION)];
            let early = match connection::subscribe(
                &mut opened.socket,
                &self.joined.code,
                &self.joined.player_id,
                since_seq,
            )
            .await
            {
                Ok(early) => early,
                Err(reason) => {
                    tracing::info!(attempt, error = %reason, "resubscribing failed");
                    last = reason;
                    continue;
                }
            };

            tracing::info!(attempt, ?since_seq, "reconnected");
            self.socket = opened.socket;
            self.epoch = opened.epoch;
            self.emit(PlayerEvent::Reconnected);
            return self.handle_early(early, same_run);
        }
    }

    /// Handles the messages that arrived while subscribing. `replayed` is true when they were
    /// replayed after a reconnect in the same host run.
    fn handle_early(
        &mut self,
        early: Vec<ServerMessage>,
        replayed: bool,
    ) -> Result<Option<SessionSummary>, ClientError> {
        self.replaying = replayed;
        let mut finished = None;
        for message in early {
            if let Step::Finished(summary) = self.on_message(message)? {
                finished = Some(summary);
                break;
            }
        }
        self.replaying = false;
        Ok(finished)
    }

    /// Waits `wait`, queueing the answers chosen meanwhile.
    async fn queue_commands_for(&mut self, wait: Duration) {
        let sleep = tokio::time::sleep(wait);
        tokio::pin!(sleep);
        loop {
            tokio::select! {
                () = &mut sleep => return,
                command = self.commands.recv(), if self.commands_open => match command {
                    Some(PlayerCommand::Answer { index, option }) => self.queued.push_back((index, option)),
                    None => self.commands_open = false,
                },
            }
        }
    }

    /// Sends the answers chosen while the connection was down whose question is still open,
    /// and reports the others as not sent.
    async fn send_queued(&mut self) -> Result<(), ClientError> {
        while let Ok(PlayerCommand::Answer { index, option }) = self.commands.try_recv() {
            self.queued.push_back((index, option));
        }
        while let Some((index, option)) = self.queued.pop_front() {
            if self.answered.contains(&index) {
                continue;
            }
            if self.open_question != Some(index) {
                self.emit(PlayerEvent::AnswerRejected {
                    index,
                    reason: "the question closed while the connection to the host was down, so the answer was not sent".into(),
                });
                continue;
            }
            self.answer(index, option).await?;
        }
        Ok(())
    }

    fn on_frame(
        &mut self,
        frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Step, ClientError> {
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                let code = frame.as_ref().map(|f| u16::from(f.code));
                if code == Some(CLOSE_HOST_ENDED) {
                    return Err(ClientError::HostEnded);
                }
                let reason = frame
                    .map(|f| f.reason.to_string())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "the host closed the connection".into());
                // Codes such as kicked or unauthorized end the session; the rest (rate limited,
                // too slow, too large, going away) are worth a reconnect.
                if let Some(code) = code.filter(|c| close_is_final(*c)) {
                    return Err(ClientError::Closed { code, reason });
                }
                return Err(ClientError::ConnectionLost(reason));
            }
            Some(Ok(_)) => return Ok(Step::Continue),
            Some(Err(e)) => return Err(ClientError::ConnectionLost(e.to_string())),
            None => {
                return Err(ClientError::ConnectionLost(
                    "the host closed the connection".into(),
                ));
            }
        };
        // Channel events are most of the traffic: parse them straight into their event type
        // instead of through a generic JSON value. The server always writes `type` first.
        if text.starts_with(r#"{"type":"data""#) {
            let data: DataFrame = serde_json::from_str(&text)
                .map_err(|e| ClientError::Protocol(format!("{e} in {text}")))?;
            return self.on_data_json(&data.id, data.seq, data.event.get());
        }
        let message: ServerMessage = serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("{e} in {text}")))?;
        self.on_message(message)
    }

    /// Handles a channel event still in its JSON text.
    fn on_data_json(
        &mut self,
        subscription: &str,
        seq: u64,
        event: &str,
    ) -> Result<Step, ClientError> {
        self.track_seq(subscription, seq);
        let invalid = |e: serde_json::Error| ClientError::Protocol(format!("invalid event: {e}"));
        if subscription == QUESTIONS_SUBSCRIPTION {
            let event: QuestionsEvent = serde_json::from_str(event).map_err(invalid)?;
            self.on_questions_event(event);
            return Ok(Step::Continue);
        }
        let event: PlayerChannelEvent = serde_json::from_str(event).map_err(invalid)?;
        Ok(self.on_private_event(event))
    }

    fn on_message(&mut self, message: ServerMessage) -> Result<Step, ClientError> {
        match message {
            ServerMessage::Data { id, seq, event } => self.on_data(&id, seq, event),
            ServerMessage::PublishSuccess { id, elapsed_ms } => {
                if let Some((index, option, sent)) = self.pending.remove(&id) {
                    if let Some(probe) = &self.probe {
                        probe.record_ack(sent.elapsed());
                    }
                    self.emit(PlayerEvent::Answered {
                        index,
                        option,
                        elapsed_ms,
                    });
                }
                Ok(Step::Continue)
            }
            ServerMessage::PublishError { id, errors } => {
                if let Some((index, _, _)) = self.pending.remove(&id) {
                    let reason = errors
                        .first()
                        .map(|e| e.message.clone())
                        .unwrap_or_default();
                    self.emit(PlayerEvent::AnswerRejected { index, reason });
                }
                Ok(Step::Continue)
            }
            ServerMessage::Error { errors } => {
                tracing::warn!(?errors, "the host reported an error");
                Ok(Step::Continue)
            }
            _ => Ok(Step::Continue),
        }
    }

    /// Handles a channel event that was already parsed into a JSON value (those that arrived
    /// during the handshake, which are few).
    fn on_data(
        &mut self,
        subscription: &str,
        seq: u64,
        event: serde_json::Value,
    ) -> Result<Step, ClientError> {
        self.on_data_json(subscription, seq, &event.to_string())
    }

    /// Counts gaps and reordering in a subscription's sequence numbers.
    ///
    /// Numbers start at 1 on each channel. The open question sent on subscribe carries the
    /// number of the channel's latest event, so a repeated number is neither a gap nor out of
    /// order, and the first number seen may be above 1.
    fn track_seq(&mut self, subscription: &str, seq: u64) {
        let last = self.last_seq.entry(subscription.to_string()).or_insert(0);
        if *last > 0 && seq > *last + 1 {
            let missing = seq - *last - 1;
            self.lost += missing;
            if let Some(probe) = &self.probe {
                probe.add_lost(missing);
            }
            tracing::warn!(
                subscription,
                last = *last,
                seq,
                "messages missing on channel"
            );
        } else if seq < *last {
            if let Some(probe) = &self.probe {
                probe.add_out_of_order();
            }
            tracing::warn!(
                subscription,
                last = *last,
                seq,
                "message out of order on channel"
            );
        }
        *last = (*last).max(seq);
    }

    fn on_questions_event(&mut self, event: QuestionsEvent) {
        match event {
            QuestionsEvent::Question {
                index,
                total,
                text,
                options,
                time_limit_ms,
                remaining_ms,
                points,
                sent_at_ms,
            } => {
                if self.last_question.is_some_and(|last| index <= last) {
                    return;
                }
                let mut remaining_ms = remaining_ms;
                if self.replaying {
                    // A replayed event carries the time left when it was first sent. Take off
                    // its age, measured as the local wall clock minus the host's send stamp.
                    // NOTE: this is exact only when both wall clocks agree. On a skewed client
                    // the countdown after a reconnect ends early or late by the skew, but the
                    // host still judges the answer by its own clock.
                    remaining_ms =
                        remaining_ms.saturating_sub(unix_ms().saturating_sub(sent_at_ms));
                } else if let Some(probe) = &self.probe {
                    probe.record_delivery(unix_ms().saturating_sub(sent_at_ms));
                }
                self.last_question = Some(index);
                self.open_question = Some(index);
                self.emit(PlayerEvent::Question {
                    index,
                    total,
                    text,
                    options,
                    deadline: Instant::now() + Duration::from_millis(remaining_ms),
                    time_limit_secs: (time_limit_ms / 1000) as u32,
                    points,
                });
            }
            QuestionsEvent::QuestionClosed {
                index,
                correct,
                counts,
                ..
            } => {
                if self.open_question == Some(index) {
                    self.open_question = None;
                }
                self.emit(PlayerEvent::QuestionClosed {
                    index,
                    correct: correct.iter().map(|c| c.saturating_sub(1)).collect(),
                    counts,
                })
            }
            QuestionsEvent::GameOver { .. } => {}
        }
    }

    fn on_private_event(&mut self, event: PlayerChannelEvent) -> Step {
        match event {
            PlayerChannelEvent::Result {
                index,
                correct,
                points,
                score,
                rank,
                players,
                streak,
                sent_at_ms,
                ..
            } => {
                if let Some(probe) = &self.probe {
                    probe.record_result(unix_ms().saturating_sub(sent_at_ms));
                }
                self.emit(PlayerEvent::Result {
                    index,
                    correct,
                    points,
                    score,
                    rank,
                    players,
                    streak,
                });
                Step::Continue
            }
            PlayerChannelEvent::Snapshot {
                score,
                rank,
                players,
                streak,
                answered,
                ..
            } => {
                // The host has an answer to this question, so a queued one must not be sent.
                if let Some(index) = answered {
                    self.answered.insert(index);
                }
                self.emit(PlayerEvent::Standing {
                    score,
                    rank,
                    players,
                    streak,
                    answered,
                });
                Step::Continue
            }
            PlayerChannelEvent::Final {
                rank,
                score,
                players,
                ..
            } => {
                self.emit(PlayerEvent::GameOver {
                    rank,
                    score,
                    players,
                });
                Step::Finished(SessionSummary {
                    rank,
                    score,
                    players,
                    lost: self.lost,
                })
            }
        }
    }

    /// Publishes the answer `option` to question `index`, unless this player already answered
    /// it. An answer that could not be written is queued for the next connection.
    async fn answer(&mut self, index: usize, option: usize) -> Result<(), ClientError> {
        if !self.answered.insert(index) {
            return Ok(());
        }
        let id = format!("answer-{index}");
        let event = AnswerEvent {
            index,
            option: option + 1,
        };
        let publish = ClientMessage::Publish {
            id: id.clone(),
            channel: Channel::Answers {
                code: self.joined.code.clone(),
            }
            .path(),
            events: vec![serde_json::to_value(event).expect("answers always serialize")],
        };
        self.pending
            .insert(id.clone(), (index, option, Instant::now()));
        if let Err(reason) = connection::send(&mut self.socket, &publish).await {
            self.pending.remove(&id);
            self.answered.remove(&index);
            self.queued.push_front((index, option));
            return Err(ClientError::ConnectionLost(reason));
        }
        Ok(())
    }

    fn emit(&self, event: PlayerEvent) {
        let _ = self.events.send(event);
    }
}
