//! The WebSocket connection handler: authentication, subscriptions, publishes and the writer.
//!
//! A connection starts with `connection_init` carrying the session token from the join; until
//! then nothing else is accepted. Handlers authorize every subscribe and publish: a player may
//! subscribe to its game's question and announcement channels and its own private channel, and
//! may publish only answers to its game's answer channel.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::ws::{CloseFrame, Message, WebSocket, WebSocketUpgrade, close_code};
use axum::extract::{ConnectInfo, State};
use axum::response::Response;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite;

use super::AppState;
use super::hub::{Catchup, Conn, Outbound};
use super::limits::{self, IpSlot, PublishBucket, Verdict};
use super::metrics::Metrics;
use super::registry::Session;
use crate::host::actor::{
    AnswerResponder, EventResponder, GameCommand, GameHandle, QuestionResponder,
};
use crate::protocol::{
    AnswerEvent, CLOSE_KICKED, CLOSE_RATE_LIMITED, CLOSE_TOO_LARGE, CLOSE_TOO_SLOW,
    CLOSE_UNAUTHORIZED, Channel, ClientMessage, ErrorBody, ServerMessage, data_frame,
};

/// tungstenite's read buffer, in bytes. Its default of 128 KiB per connection would cost about
/// 1.3 GB at 10,000 players; our frames are small.
const READ_BUFFER: usize = 4 * 1024;
/// Most bytes a connection may have waiting in its write buffer before writes fail.
const MAX_WRITE_BUFFER: usize = 64 * 1024;
/// Close reason sent to a connection whose outbound queue overflowed.
const SLOW_CONSUMER_REASON: &str =
    "too slow: the client did not read its messages and its queue on the host overflowed";
/// How long a closing connection may take to flush its queue and close frame.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(2);

/// `GET /ws`: upgrades to a WebSocket with small buffers, unless the client's address already
/// has its maximum of open connections.
pub async fn upgrade(
    ws: WebSocketUpgrade,
    State(state): State<Arc<AppState>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
) -> Response {
    let max_per_ip = state.limits.max_connections_per_ip;
    let Some(slot) = state.ip_connections.acquire(peer.ip(), max_per_ip) else {
        return limits::too_many_connections(peer.ip(), max_per_ip);
    };
    let max_message = state.limits.max_message_bytes;
    ws.read_buffer_size(READ_BUFFER)
        .write_buffer_size(0)
        .max_write_buffer_size(MAX_WRITE_BUFFER)
        .max_message_size(max_message)
        .max_frame_size(max_message)
        .on_upgrade(move |socket| handle(socket, state, slot))
}

/// Runs one connection; `_slot` counts it against its address until it ends.
async fn handle(socket: WebSocket, state: Arc<AppState>, _slot: IpSlot) {
    let (mut sink, mut stream) = socket.split();

    // Authenticate first: nothing else is accepted until a valid token arrives.
    let init_timeout = state.limits.init_timeout;
    let init = tokio::time::timeout(init_timeout, read_init(&mut stream, &state))
        .await
        .unwrap_or_else(|_| {
            Err(ErrorBody::new(
                "InitTimeout",
                format!(
                    "no connection_init within {} ms (--init-timeout-ms)",
                    init_timeout.as_millis()
                ),
            ))
        });
    let (token, session, game) = match init {
        Ok(found) => found,
        Err(error) => {
            tracing::debug!(error = %error.message, "connection_init rejected");
            let frame = ServerMessage::ConnectionError {
                errors: vec![error.clone()],
            };
            // A rejected or revoked token is final for the client, but any other failure may
            // be retried.
            let code = match error.error_type.as_str() {
                "Unauthorized" => CLOSE_UNAUTHORIZED,
                "PlayerKicked" => CLOSE_KICKED,
                _ => close_code::POLICY,
            };
            let _ = sink.send(Message::Text(frame.to_json().into())).await;
            let _ = sink.send(close(code, &error.message)).await;
            return;
        }
    };

    let (conn, outbound) = Conn::new(state.next_conn_id());
    let writer = tokio::spawn(write_loop(sink, outbound, conn.clone(), state.clone()));
    let ack = ServerMessage::ConnectionAck {
        connection_timeout_ms: state.limits.idle_timeout.as_millis() as u64,
        player_id: session.player_id.clone(),
        name: session.name.clone(),
        epoch: state.epoch.clone(),
    };
    conn.try_send(ack.to_json().into());
    state.registry.attach(&token, &conn);
    // A kick between the token check and `attach` did not see this connection, so close it.
    if let Some(reason) = state.registry.revoked(&token) {
        conn.try_send(Outbound::Close(crate::protocol::CLOSE_KICKED, reason));
    }
    state.connections.send_modify(|n| *n += 1);
    let _ = game
        .commands
        .send(GameCommand::Connect {
            player: session.player,
        })
        .await;
    tracing::debug!(conn.id = conn.id, player.id = %session.player_id, "player connected");

    let publishes = PublishBucket::new(&state.limits, Instant::from(tokio::time::Instant::now()));
    let mut connection = Connection {
        state: state.clone(),
        publishes,
        session,
        game,
        conn,
        subscriptions: HashMap::new(),
    };
    let mut writer = writer;
    let writer_done = tokio::select! {
        close = connection.read_loop(&mut stream) => {
            connection.conn.try_send(Outbound::Close(close.code, close.reason));
            false
        }
        _ = &mut writer => true,
    };

    // Clean up: no more deliveries, and the game stops waiting for this player's answer.
    state.hub.remove_conn(connection.conn.id);
    state.registry.detach(&token, connection.conn.id);
    state.connections.send_modify(|n| *n = n.saturating_sub(1));
    let _ = connection
        .game
        .commands
        .send(GameCommand::Disconnect {
            player: connection.session.player,
        })
        .await;
    tracing::debug!(conn.id = connection.conn.id, "player disconnected");

    // Let the writer send what is queued and the close frame, but never wait long on a peer
    // that stopped reading.
    if !writer_done
        && tokio::time::timeout(CLOSE_TIMEOUT, &mut writer)
            .await
            .is_err()
    {
        writer.abort();
    }
}

/// The code and reason the server closes a connection with.
struct CloseReason {
    code: u16,
    reason: String,
}

impl CloseReason {
    fn normal() -> CloseReason {
        CloseReason {
            code: close_code::NORMAL,
            reason: String::new(),
        }
    }
}

/// Waits for `connection_init` and resolves its token.
async fn read_init(
    stream: &mut SplitStream<WebSocket>,
    state: &AppState,
) -> Result<(String, Session, GameHandle), ErrorBody> {
    loop {
        let message = match stream.next().await {
            Some(Ok(message)) => message,
            _ => return Err(ErrorBody::new("Closed", "connection closed before init")),
        };
        let text = match message {
            Message::Text(text) => text,
            Message::Ping(_) | Message::Pong(_) => continue,
            _ => {
                return Err(ErrorBody::new(
                    "InvalidMessage",
                    "the first message must be a JSON text frame {\"type\":\"connection_init\",\"token\":\"...\"}",
                ));
            }
        };
        let token = match serde_json::from_str::<ClientMessage>(&text) {
            Ok(ClientMessage::ConnectionInit { token }) => token,
            _ => {
                return Err(ErrorBody::new(
                    "InvalidMessage",
                    "the first message must be {\"type\":\"connection_init\",\"token\":\"...\"}",
                ));
            }
        };
        let unauthorized = || {
            ErrorBody::new(
                "Unauthorized",
                "unknown session token; join again through the join URL",
            )
        };
        if let Some(reason) = state.registry.revoked(&token) {
            return Err(ErrorBody::new(
                "PlayerKicked",
                format!("the host removed this player from the game: {reason}"),
            ));
        }
        let session = state.registry.session(&token).ok_or_else(unauthorized)?;
        let game = state
            .registry
            .game(&session.code)
            .ok_or_else(unauthorized)?;
        return Ok((token, session, game));
    }
}

/// Sends queued frames and keep-alives until the queue closes, a close is queued, or the hub
/// drops the connection.
async fn write_loop(
    mut sink: SplitSink<WebSocket, Message>,
    mut outbound: mpsc::Receiver<Outbound>,
    conn: Arc<Conn>,
    state: Arc<AppState>,
) {
    let mut keepalive = tokio::time::interval(state.limits.keepalive_interval);
    keepalive.reset();
    let close_with = loop {
        let text = tokio::select! {
            message = outbound.recv() => match message {
                Some(Outbound::Text(text)) => text,
                Some(Outbound::Close(code, reason)) => break Some((code, reason)),
                None => break None,
            },
            _ = keepalive.tick() => {
                // The client's WebSocket answers the ping with a pong, which tells the reader
                // the peer is still there; `ka` tells protocol-level clients the same of us.
                if sink.send(Message::Ping(Default::default())).await.is_err() {
                    break None;
                }
                ServerMessage::Ka.to_json().into()
            }
            () = conn.kicked.notified() => {
                break Some((CLOSE_TOO_SLOW, SLOW_CONSUMER_REASON.to_string()));
            }
        };
        if sink.send(Message::Text(text)).await.is_err() {
            break None;
        }
        Metrics::count(&state.metrics.messages_out);
    };

    // A peer that stopped reading may never take the close frame, so do not wait for it long.
    let closing = async {
        if let Some((code, reason)) = close_with {
            let _ = sink.send(close(code, &reason)).await;
        }
        let _ = sink.close().await;
    };
    let _ = tokio::time::timeout(CLOSE_TIMEOUT, closing).await;
}

fn close(code: u16, reason: &str) -> Message {
    Message::Close(Some(CloseFrame {
        code,
        reason: reason.into(),
    }))
}

/// One authenticated connection's read side.
struct Connection {
    state: Arc<AppState>,
    session: Session,
    game: GameHandle,
    conn: Arc<Conn>,
    /// Rate limit of this connection's publishes.
    publishes: PublishBucket,
    /// Channel path by subscription id.
    subscriptions: HashMap<String, String>,
}

impl Connection {
    /// Handles frames until the client closes the connection or sends something that ends it;
    /// returns the close frame to answer with.
    async fn read_loop(&mut self, stream: &mut SplitStream<WebSocket>) -> CloseReason {
        let idle = self.state.limits.idle_timeout;
        loop {
            // The server pings every keep-alive interval, so a live client sends at least a pong
            // that often. Silence for the whole timeout means the peer is gone.
            let Ok(next) = tokio::time::timeout(idle, stream.next()).await else {
                tracing::debug!(conn.id = self.conn.id, "closing idle connection");
                return CloseReason {
                    code: close_code::AWAY,
                    reason: format!(
                        "idle: no frame or pong for {} ms (--idle-timeout-ms)",
                        idle.as_millis()
                    ),
                };
            };
            let message = match next {
                Some(Ok(message)) => message,
                Some(Err(e)) => return self.read_error(e),
                None => return CloseReason::normal(),
            };
            // Stamp the receive time first: it is the time an answer is judged and scored at.
            let received_at = Instant::from(tokio::time::Instant::now());
            Metrics::count(&self.state.metrics.messages_in);
            match message {
                Message::Text(text) => {
                    if let Some(close) = self.on_text(&text, received_at).await {
                        return close;
                    }
                }
                Message::Binary(_) => self.send_error(ErrorBody::new(
                    "InvalidMessage",
                    "binary frames are not supported; send JSON text frames",
                )),
                Message::Close(_) => return CloseReason::normal(),
                Message::Ping(_) | Message::Pong(_) => {}
            }
        }
    }

    /// Returns the close for a frame the WebSocket layer rejected: 1009 for one over the size
    /// limit, 1007 for a text frame that is not UTF-8, 1002 for any other protocol violation.
    fn read_error(&self, error: axum::Error) -> CloseReason {
        let cause =
            std::error::Error::source(&error).and_then(|e| e.downcast_ref::<tungstenite::Error>());
        tracing::debug!(conn.id = self.conn.id, error = %error, "closing connection after read error");
        match cause {
            Some(tungstenite::Error::Capacity(_)) => CloseReason {
                code: CLOSE_TOO_LARGE,
                reason: format!(
                    "too large: message over the host's limit of {} bytes (--max-message-bytes)",
                    self.state.limits.max_message_bytes
                ),
            },
            Some(tungstenite::Error::Utf8(_)) => CloseReason {
                code: close_code::INVALID,
                reason: "invalid UTF-8 in a text frame; send JSON as UTF-8 text".into(),
            },
            _ => CloseReason {
                code: close_code::PROTOCOL,
                reason: "invalid WebSocket frame".into(),
            },
        }
    }

    /// Handles one text frame. Returns the close frame to send when the frame ends the
    /// connection.
    async fn on_text(&mut self, text: &str, received_at: Instant) -> Option<CloseReason> {
        let message = match serde_json::from_str::<ClientMessage>(text) {
            Ok(message) => message,
            Err(e) => {
                let shown: String = text.chars().take(80).collect();
                self.send_error(ErrorBody::new(
                    "InvalidMessage",
                    format!("cannot parse message {shown:?}: {e}"),
                ));
                return None;
            }
        };
        match message {
            ClientMessage::ConnectionInit { .. } => self.send_error(ErrorBody::new(
                "InvalidMessage",
                "connection_init was already accepted on this connection",
            )),
            ClientMessage::Subscribe {
                id,
                channel,
                since_seq,
            } => self.subscribe(id, channel, since_seq).await,
            ClientMessage::Unsubscribe { id } => self.unsubscribe(id),
            ClientMessage::Publish {
                id,
                channel,
                events,
            } => return self.publish(id, channel, events, received_at).await,
        }
        None
    }

    async fn subscribe(&mut self, id: String, path: String, since_seq: Option<u64>) {
        let channel = match self.authorize_subscribe(&id, &path) {
            Ok(channel) => channel,
            Err(error) => {
                return self.send(ServerMessage::SubscribeError {
                    id,
                    errors: vec![error],
                });
            }
        };
        let canonical = channel.path();
        self.send(ServerMessage::SubscribeSuccess { id: id.clone() });
        let catchup = self
            .state
            .hub
            .subscribe(&canonical, &self.conn, &id, since_seq);
        self.subscriptions.insert(id.clone(), canonical.clone());
        if matches!(catchup, Catchup::UpToDate | Catchup::Replayed(_)) && since_seq.is_some() {
            return;
        }

        // A player without a replay gets the current state instead: the open question with the
        // time that remains, or its own standing. The actor queues these itself, so they cannot
        // overtake later events such as the question's close.
        if let Channel::Player { .. } = channel {
            let conn = self.conn.clone();
            let hub = self.state.hub.clone();
            let respond: EventResponder = Box::new(move |event| {
                let seq = hub.seq(&canonical);
                if !conn.try_send(data_frame(&id, seq, &event).into()) {
                    hub.kick(&conn);
                }
            });
            let command = GameCommand::PlayerSnapshot {
                player: self.session.player,
                respond,
            };
            let _ = self.game.commands.send(command).await;
            return;
        }
        if matches!(channel, Channel::Questions { .. }) {
            let conn = self.conn.clone();
            let hub = self.state.hub.clone();
            let respond: QuestionResponder = Box::new(move |event| {
                let Some(event) = event else {
                    return;
                };
                let seq = hub.seq(&canonical);
                if !conn.try_send(data_frame(&id, seq, &event).into()) {
                    hub.kick(&conn);
                }
            });
            let _ = self
                .game
                .commands
                .send(GameCommand::CurrentQuestion { respond })
                .await;
        }
    }

    /// Returns the channel `path` names if this player may subscribe to it.
    fn authorize_subscribe(&self, id: &str, path: &str) -> Result<Channel, ErrorBody> {
        if self.subscriptions.contains_key(id) {
            return Err(ErrorBody::new(
                "DuplicateSubscription",
                format!("subscription id {id:?} is in use on this connection; choose another id"),
            ));
        }
        let max = self.state.limits.max_subscriptions;
        if self.subscriptions.len() >= max {
            return Err(ErrorBody::new(
                "TooManySubscriptions",
                format!(
                    "a connection may hold at most {max} subscriptions (--max-subscriptions); unsubscribe from one first"
                ),
            ));
        }
        let code = &self.session.code;
        let channel = Channel::parse(path);
        let allowed = match &channel {
            Some(Channel::Questions { code: c } | Channel::Announcements { code: c }) => c == code,
            Some(Channel::Player { code: c, player_id }) => {
                c == code && *player_id == self.session.player_id
            }
            Some(Channel::Answers { .. }) | None => false,
        };
        if let (true, Some(channel)) = (allowed, channel) {
            return Ok(channel);
        }
        Err(ErrorBody::new(
            "Unauthorized",
            format!(
                "cannot subscribe to {path:?}; a player may subscribe only to /game/{code}/questions, /game/{code}/announcements and /game/{code}/players/{}",
                self.session.player_id
            ),
        ))
    }

    fn unsubscribe(&mut self, id: String) {
        if self.subscriptions.remove(&id).is_some() {
            self.state.hub.unsubscribe(self.conn.id, &id);
            self.send(ServerMessage::UnsubscribeSuccess { id });
        } else {
            let message = format!("no subscription with id {id:?} on this connection");
            self.send(ServerMessage::UnsubscribeError {
                id,
                errors: vec![ErrorBody::new("UnknownSubscription", message)],
            });
        }
    }

    /// Handles a publish after charging it to the rate limit. Returns the close frame to send
    /// when the client kept publishing over the limit.
    async fn publish(
        &mut self,
        id: String,
        path: String,
        events: Vec<serde_json::Value>,
        received_at: Instant,
    ) -> Option<CloseReason> {
        let limits = &self.state.limits;
        match self.publishes.check(received_at, limits.publish_strikes) {
            Verdict::Allowed => {}
            Verdict::Limited => {
                let message = format!(
                    "rate limited: at most {} publishes per second with a burst of {} (--publish-rate, --publish-burst); wait before publishing again",
                    limits.publish_rate, limits.publish_burst
                );
                self.send(ServerMessage::PublishError {
                    id,
                    errors: vec![ErrorBody::new("RateLimited", message)],
                });
                return None;
            }
            Verdict::Close => {
                tracing::warn!(conn.id = self.conn.id, player.id = %self.session.player_id, "closing connection that kept publishing over the rate limit");
                return Some(CloseReason {
                    code: CLOSE_RATE_LIMITED,
                    reason: format!(
                        "rate limited: kept publishing over {} per second",
                        limits.publish_rate
                    ),
                });
            }
        }
        match self.parse_answer(&path, events) {
            Ok(answer) => self.submit(id, answer, received_at).await,
            Err(error) => self.send(ServerMessage::PublishError {
                id,
                errors: vec![error],
            }),
        }
        None
    }

    fn parse_answer(
        &self,
        path: &str,
        mut events: Vec<serde_json::Value>,
    ) -> Result<AnswerEvent, ErrorBody> {
        let code = &self.session.code;
        match Channel::parse(path) {
            Some(Channel::Answers { code: c }) if c == *code => {}
            _ => {
                return Err(ErrorBody::new(
                    "Unauthorized",
                    format!(
                        "cannot publish to {path:?}; a player may publish only to /game/{code}/answers"
                    ),
                ));
            }
        }
        if events.len() != 1 {
            return Err(ErrorBody::new(
                "InvalidAnswer",
                format!("publish exactly one answer event; got {}", events.len()),
            ));
        }
        let event = events.pop().expect("one event");
        let answer: AnswerEvent = serde_json::from_value(event).map_err(|e| {
            // serde names Rust types ("usize", "struct AnswerEvent"); say it in JSON terms.
            let detail = e
                .to_string()
                .replace("usize", "a non-negative integer")
                .replace("struct AnswerEvent", "an answer object");
            ErrorBody::new(
                "InvalidAnswer",
                format!(
                    "invalid answer event ({detail}); send {{\"index\": <0-based question index>, \"option\": <1-based option number>}}"
                ),
            )
        })?;
        if answer.option == 0 {
            return Err(ErrorBody::new(
                "OptionOutOfRange",
                "option 0 is out of range; options are numbered from 1",
            ));
        }
        Ok(answer)
    }

    /// Hands the answer to the game actor, which queues `publish_success` or `publish_error`
    /// on this connection itself, so the reader does not wait for the verdict.
    async fn submit(&self, id: String, answer: AnswerEvent, received_at: Instant) {
        let conn = self.conn.clone();
        let hub = self.state.hub.clone();
        let publish_id = id.clone();
        let respond: AnswerResponder = Box::new(move |result| {
            let message = match result {
                Ok(accepted) => ServerMessage::PublishSuccess {
                    id: publish_id,
                    elapsed_ms: accepted.elapsed.as_millis() as u64,
                },
                Err(e) => ServerMessage::PublishError {
                    id: publish_id,
                    errors: vec![ErrorBody::new(e.error_type(), e.to_string())],
                },
            };
            if !conn.try_send(message.to_json().into()) {
                hub.kick(&conn);
            }
        });
        let command = GameCommand::Answer {
            player: self.session.player,
            index: answer.index,
            option: answer.option - 1,
            received_at,
            respond,
        };
        if self.game.commands.send(command).await.is_err() {
            self.send(ServerMessage::PublishError {
                id,
                errors: vec![ErrorBody::new("GameEnded", "the game has stopped")],
            });
        }
    }

    /// Queues a reply; a full queue means the client stopped reading, so it is dropped as a
    /// slow consumer rather than left without its reply.
    fn send(&self, message: ServerMessage) {
        if !self.conn.try_send(message.to_json().into()) {
            self.state.hub.kick(&self.conn);
        }
    }

    fn send_error(&self, error: ErrorBody) {
        self.send(ServerMessage::Error {
            errors: vec![error],
        });
    }
}
