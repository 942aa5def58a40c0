//! A player's game session: join, open the WebSocket, subscribe, then turn frames into
//! [`PlayerEvent`]s and [`PlayerCommand`]s into answers until the game ends.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use super::ClientError;
use super::events::{PlayerCommand, PlayerEvent};
use super::join::{self, JoinTarget, RetryPolicy};
use super::probe::Probe;
use crate::protocol::{
    AnswerEvent, CONNECTION_TIMEOUT_MS, Channel, ClientMessage, PlayerChannelEvent, QuestionsEvent,
    ServerMessage, unix_ms,
};
use crate::server::http::{JoinRequest, JoinResponse};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

const QUESTIONS_SUBSCRIPTION: &str = "questions";
const PRIVATE_SUBSCRIPTION: &str = "me";
/// How long the client waits for `connection_ack` and `subscribe_success`.
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// What a player session needs.
#[derive(Debug, Clone)]
pub struct SessionConfig {
    pub target: JoinTarget,
    pub name: String,
    pub player_id: String,
    pub retry: RetryPolicy,
    /// Where to record latencies and losses, for load reports.
    pub probe: Option<Arc<Probe>>,
}

/// What a finished session observed, for checks and load reports.
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

/// Runs a whole session joining through `http`, which many sessions may share.
pub async fn run_with(
    http: &reqwest::Client,
    config: SessionConfig,
    events: mpsc::UnboundedSender<PlayerEvent>,
    commands: mpsc::UnboundedReceiver<PlayerCommand>,
) -> Result<SessionSummary, ClientError> {
    let request = JoinRequest {
        player_id: config.player_id.clone(),
        name: config.name.clone(),
        token: None,
    };
    let joined = join::join(http, &config.target, &request, config.retry, |notice| {
        let _ = events.send(PlayerEvent::Retrying {
            status: notice.status,
            attempt: notice.attempt,
            wait: notice.wait,
        });
    })
    .await?;

    let (socket, early) = connect(&joined).await?;
    let _ = events.send(PlayerEvent::Joined {
        name: joined.name.clone(),
        player_id: joined.player_id.clone(),
        title: joined.title.clone(),
        code: joined.code.clone(),
    });
    let mut session = Session {
        socket,
        joined,
        events,
        pending: HashMap::new(),
        last_question: None,
        last_seq: HashMap::new(),
        lost: 0,
        probe: config.probe,
    };
    for message in early {
        if let Step::Finished(summary) = session.on_message(message)? {
            return Ok(summary);
        }
    }
    session.play(commands).await
}

/// Opens the WebSocket, authenticates and subscribes to both channels.
/// Messages that arrived during the handshake after a subscription was confirmed (the open
/// question, sent on subscribe) are returned for the play loop to handle first.
async fn connect(joined: &JoinResponse) -> Result<(Socket, Vec<ServerMessage>), ClientError> {
    let url = joined.ws_url.clone();
    let failed = |why: String| ClientError::Connect {
        url: url.clone(),
        why,
    };
    // Small buffers keep thousands of simulated players in one process cheap.
    let config = WebSocketConfig::default()
        .read_buffer_size(4 * 1024)
        .write_buffer_size(0);
    // Disable Nagle's algorithm, so an answer is sent at once instead of after a delayed ACK.
    let connecting = tokio_tungstenite::connect_async_with_config(&url, Some(config), true);
    let (mut socket, _) = tokio::time::timeout(HANDSHAKE_TIMEOUT, connecting)
        .await
        .map_err(|_| {
            failed(format!(
                "no answer within {} s",
                HANDSHAKE_TIMEOUT.as_secs()
            ))
        })?
        .map_err(|e| failed(e.to_string()))?;

    let init = ClientMessage::ConnectionInit {
        token: joined.token.clone(),
    };
    send(&mut socket, &init).await.map_err(failed)?;
    match next_message(&mut socket).await.map_err(failed)? {
        ServerMessage::ConnectionAck { .. } => {}
        ServerMessage::ConnectionError { errors } => {
            let why = errors
                .first()
                .map(|e| e.message.clone())
                .unwrap_or_default();
            return Err(failed(format!("the host rejected the session: {why}")));
        }
        other => return Err(failed(format!("expected connection_ack, got {other:?}"))),
    }

    let channels = [
        (
            QUESTIONS_SUBSCRIPTION,
            Channel::Questions {
                code: joined.code.clone(),
            },
        ),
        (
            PRIVATE_SUBSCRIPTION,
            Channel::Player {
                code: joined.code.clone(),
                player_id: joined.player_id.clone(),
            },
        ),
    ];
    for (id, channel) in channels {
        let subscribe = ClientMessage::Subscribe {
            id: id.to_string(),
            channel: channel.path(),
            since_seq: None,
        };
        send(&mut socket, &subscribe).await.map_err(failed)?;
    }
    let mut confirmed = 0;
    let mut early = Vec::new();
    while confirmed < 2 {
        match next_message(&mut socket).await.map_err(failed)? {
            ServerMessage::SubscribeSuccess { .. } => confirmed += 1,
            ServerMessage::SubscribeError { id, errors } => {
                let why = errors
                    .first()
                    .map(|e| e.message.clone())
                    .unwrap_or_default();
                return Err(failed(format!("subscribing {id} failed: {why}")));
            }
            ServerMessage::Ka => {}
            other => early.push(other),
        }
    }
    Ok((socket, early))
}

async fn send(socket: &mut Socket, message: &ClientMessage) -> Result<(), String> {
    let text = serde_json::to_string(message).expect("client messages always serialize");
    socket
        .send(Message::Text(text.into()))
        .await
        .map_err(|e| e.to_string())
}

/// Reads the next protocol message during the handshake.
async fn next_message(socket: &mut Socket) -> Result<ServerMessage, String> {
    loop {
        let frame = tokio::time::timeout(HANDSHAKE_TIMEOUT, socket.next())
            .await
            .map_err(|_| format!("no reply within {} s", HANDSHAKE_TIMEOUT.as_secs()))?;
        match frame {
            Some(Ok(Message::Text(text))) => {
                return serde_json::from_str(&text).map_err(|e| format!("invalid message: {e}"));
            }
            Some(Ok(Message::Close(frame))) => {
                let reason = frame.map(|f| f.reason.to_string()).unwrap_or_default();
                return Err(format!("the host closed the connection: {reason}"));
            }
            Some(Ok(_)) => continue,
            Some(Err(e)) => return Err(e.to_string()),
            None => return Err("the host closed the connection".into()),
        }
    }
}

struct Session {
    socket: Socket,
    joined: JoinResponse,
    events: mpsc::UnboundedSender<PlayerEvent>,
    /// Answers sent and not yet acknowledged, by publish id: question index, 0-based option,
    /// and when it was sent.
    pending: HashMap<String, (usize, usize, Instant)>,
    /// Index of the newest question shown, so a repeated question is not shown twice.
    last_question: Option<usize>,
    last_seq: HashMap<String, u64>,
    lost: u64,
    probe: Option<Arc<Probe>>,
}

enum Step {
    Continue,
    Finished(SessionSummary),
}

impl Session {
    async fn play(
        &mut self,
        mut commands: mpsc::UnboundedReceiver<PlayerCommand>,
    ) -> Result<SessionSummary, ClientError> {
        let timeout = Duration::from_millis(CONNECTION_TIMEOUT_MS);
        let mut commands_open = true;
        loop {
            tokio::select! {
                frame = tokio::time::timeout(timeout, self.socket.next()) => {
                    let frame = frame.map_err(|_| ClientError::ConnectionLost(format!(
                        "no message from the host for {} s", timeout.as_secs()
                    )))?;
                    if let Step::Finished(summary) = self.on_frame(frame)? {
                        let _ = self.socket.close(None).await;
                        return Ok(summary);
                    }
                }
                command = commands.recv(), if commands_open => match command {
                    Some(PlayerCommand::Answer { index, option }) => self.answer(index, option).await?,
                    None => commands_open = false,
                },
            }
        }
    }

    fn on_frame(
        &mut self,
        frame: Option<Result<Message, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Step, ClientError> {
        let text = match frame {
            Some(Ok(Message::Text(text))) => text,
            Some(Ok(Message::Close(frame))) => {
                let reason = frame
                    .map(|f| f.reason.to_string())
                    .filter(|r| !r.is_empty())
                    .unwrap_or_else(|| "the host closed the connection".into());
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
        let message: ServerMessage = serde_json::from_str(&text)
            .map_err(|e| ClientError::Protocol(format!("{e} in {text}")))?;
        self.on_message(message)
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

    fn on_data(
        &mut self,
        subscription: &str,
        seq: u64,
        event: serde_json::Value,
    ) -> Result<Step, ClientError> {
        self.track_seq(subscription, seq);
        let invalid = |e: serde_json::Error| ClientError::Protocol(format!("invalid event: {e}"));
        if subscription == QUESTIONS_SUBSCRIPTION {
            let event: QuestionsEvent = serde_json::from_value(event).map_err(invalid)?;
            self.on_questions_event(event);
            return Ok(Step::Continue);
        }
        let event: PlayerChannelEvent = serde_json::from_value(event).map_err(invalid)?;
        Ok(self.on_private_event(event))
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
                if let Some(probe) = &self.probe {
                    probe.record_delivery(unix_ms().saturating_sub(sent_at_ms));
                }
                self.last_question = Some(index);
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
            } => self.emit(PlayerEvent::QuestionClosed {
                index,
                correct: correct.iter().map(|c| c.saturating_sub(1)).collect(),
                counts,
            }),
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
            PlayerChannelEvent::Snapshot { .. } => Step::Continue,
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

    async fn answer(&mut self, index: usize, option: usize) -> Result<(), ClientError> {
        let id = format!("answer-{index}");
        if self.pending.contains_key(&id) {
            return Ok(());
        }
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
        self.pending.insert(id, (index, option, Instant::now()));
        send(&mut self.socket, &publish)
            .await
            .map_err(ClientError::ConnectionLost)
    }

    fn emit(&self, event: PlayerEvent) {
        let _ = self.events.send(event);
    }
}
