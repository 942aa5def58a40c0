//! Helpers shared by the integration tests: a real host on 127.0.0.1:0, scripted players
//! through the library API, and a raw WebSocket client for protocol checks.

#![allow(dead_code)]

use std::num::NonZeroU32;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use quizcast::bank::Bank;
use quizcast::client::events::{PlayerCommand, PlayerEvent};
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::client::session::{self, SessionConfig, SessionSummary};
use quizcast::client::{ClientError, new_player_id};
use quizcast::host::actor::Automation;
use quizcast::host::{self, HostOptions, RunningHost};
use quizcast::protocol::{ClientMessage, ServerMessage};
use quizcast::server::http::JoinResponse;
use quizcast::server::limits::Limits;
use serde_json::json;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// A bank of `n` questions with options a/b/c/d, `b` correct, 5 s each.
pub fn bank(n: usize) -> Bank {
    let mut text = String::from("title = \"Test bank\"\ntime_limit = 5\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[questions]]\ntext = \"Question {i}\"\noptions = [\"a\", \"b\", \"c\", \"d\"]\ncorrect = 2\n"
        ));
    }
    Bank::parse_toml(&text, "test.toml").unwrap()
}

/// Starts a host on a free loopback port.
pub async fn start_host(bank: Bank, join_rate: u32, automation: Automation) -> RunningHost {
    start_host_with(bank, join_rate, automation, Limits::default()).await
}

/// Starts a host on a free loopback port with `limits`, admitting 2000 joins a second.
pub async fn start_host_limited(bank: Bank, automation: Automation, limits: Limits) -> RunningHost {
    start_host_with(bank, 2000, automation, limits).await
}

async fn start_host_with(
    bank: Bank,
    join_rate: u32,
    automation: Automation,
    limits: Limits,
) -> RunningHost {
    host::start(HostOptions {
        bank,
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: Some("TEST".into()),
        join_rate: NonZeroU32::new(join_rate).unwrap(),
        automation,
        results: None,
        db: None,
        resume: None,
        admin_key: None,
        limits,
    })
    .await
    .expect("host starts")
}

/// What a scripted player saw.
#[derive(Debug)]
pub struct PlayerRun {
    pub events: Vec<PlayerEvent>,
    pub result: Result<SessionSummary, ClientError>,
}

/// Plays a whole game through the library API, answering question `i` with `choose(i)`
/// (0-based option, or `None` to skip).
pub async fn play(
    host: &RunningHost,
    name: String,
    choose: impl Fn(usize) -> Option<usize> + Send + 'static,
) -> PlayerRun {
    let config = SessionConfig {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        name,
        player_id: new_player_id(),
        retry: RetryPolicy {
            give_up_after: Duration::from_secs(60),
            ..RetryPolicy::default()
        },
        probe: None,
    };
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (commands_tx, commands_rx) = mpsc::unbounded_channel();
    let session = tokio::spawn(session::run(config, events_tx, commands_rx));
    let mut events = Vec::new();
    while let Some(event) = events_rx.recv().await {
        if let PlayerEvent::Question { index, .. } = &event
            && let Some(option) = choose(*index)
        {
            let _ = commands_tx.send(PlayerCommand::Answer {
                index: *index,
                option,
            });
        }
        events.push(event);
    }
    PlayerRun {
        events,
        result: session.await.unwrap(),
    }
}

/// Joins over HTTP and returns the join response.
pub async fn join_http(host: &RunningHost, name: &str) -> JoinResponse {
    join_game_http(host, &host.code, name).await
}

/// Joins game `code` of `host` over HTTP and returns the join response.
pub async fn join_game_http(host: &RunningHost, code: &str, name: &str) -> JoinResponse {
    let url = format!("http://{}/api/games/{}/players", host.addr, code);
    let response = reqwest::Client::new()
        .post(url)
        .json(&json!({"player_id": new_player_id(), "name": name}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 201, "join of {name}");
    response.json().await.unwrap()
}

/// A WebSocket client that speaks the protocol frame by frame.
pub struct RawClient {
    socket: WebSocketStream<MaybeTlsStream<TcpStream>>,
    pub joined: JoinResponse,
}

impl RawClient {
    /// Joins, connects and completes `connection_init`.
    pub async fn connect(host: &RunningHost, name: &str) -> RawClient {
        Self::connect_to(host, &host.code, name).await
    }

    /// Joins game `code`, connects and completes `connection_init`.
    pub async fn connect_to(host: &RunningHost, code: &str, name: &str) -> RawClient {
        let joined = join_game_http(host, code, name).await;
        let (socket, _) = tokio_tungstenite::connect_async(&joined.ws_url)
            .await
            .unwrap();
        let mut client = RawClient { socket, joined };
        let token = client.joined.token.clone();
        client.send(&ClientMessage::ConnectionInit { token }).await;
        match client.recv().await {
            ServerMessage::ConnectionAck { .. } => {}
            other => panic!("expected connection_ack, got {other:?}"),
        }
        client
    }

    pub async fn send(&mut self, message: &ClientMessage) {
        let text = serde_json::to_string(message).unwrap();
        self.send_text(&text).await;
    }

    pub async fn send_text(&mut self, text: &str) {
        self.socket
            .send(Message::Text(text.to_string().into()))
            .await
            .unwrap();
    }

    /// Returns the next protocol message, skipping keep-alives.
    pub async fn recv(&mut self) -> ServerMessage {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .expect("a message within 30 s")
                .expect("connection open")
                .expect("valid frame");
            if let Message::Text(text) = frame {
                let message: ServerMessage = serde_json::from_str(&text).unwrap();
                if message != ServerMessage::Ka {
                    return message;
                }
            }
        }
    }

    /// Returns the raw text of the next text frame, skipping keep-alives.
    pub async fn recv_text(&mut self) -> String {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .expect("a message within 30 s")
                .expect("connection open")
                .expect("valid frame");
            if let Message::Text(text) = frame
                && !text.contains(r#""type":"ka""#)
            {
                return text.to_string();
            }
        }
    }

    pub async fn subscribe(&mut self, id: &str, channel: &str) -> ServerMessage {
        self.send(&ClientMessage::Subscribe {
            id: id.into(),
            channel: channel.into(),
            since_seq: None,
        })
        .await;
        self.recv().await
    }

    pub async fn publish(&mut self, id: &str, channel: &str, event: serde_json::Value) {
        self.send(&ClientMessage::Publish {
            id: id.into(),
            channel: channel.into(),
            events: vec![event],
        })
        .await;
    }

    pub fn questions_channel(&self) -> String {
        format!("/game/{}/questions", self.joined.code)
    }

    pub fn answers_channel(&self) -> String {
        format!("/game/{}/answers", self.joined.code)
    }

    pub fn private_channel(&self) -> String {
        format!(
            "/game/{}/players/{}",
            self.joined.code, self.joined.player_id
        )
    }

    /// Returns the next `data` message's event.
    pub async fn next_data(&mut self) -> serde_json::Value {
        loop {
            if let ServerMessage::Data { event, .. } = self.recv().await {
                return event;
            }
        }
    }
}

impl RawClient {
    /// Sends a binary frame, which the protocol does not allow.
    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.socket
            .send(Message::Binary(bytes.to_vec().into()))
            .await
            .unwrap();
    }
}

/// A [`RawClient`] that keeps the messages it reads while waiting for another one, so a test
/// can wait for a reply or an event without losing what arrived before it. Replies and channel
/// events interleave, for example when a question opens while a subscribe is in flight.
pub struct Inbox {
    pub client: RawClient,
    backlog: std::collections::VecDeque<ServerMessage>,
}

impl Inbox {
    /// Wraps a connected client.
    pub fn new(client: RawClient) -> Inbox {
        Inbox {
            client,
            backlog: std::collections::VecDeque::new(),
        }
    }

    /// Joins as `name`, connects and subscribes to the question channel as `q` and to the
    /// private channel as `me`.
    pub async fn join(host: &RunningHost, name: &str) -> Inbox {
        Self::join_to(host, &host.code, name).await
    }

    /// Joins game `code` as `name` and subscribes like [`Inbox::join`].
    pub async fn join_to(host: &RunningHost, code: &str, name: &str) -> Inbox {
        let mut inbox = Inbox::new(RawClient::connect_to(host, code, name).await);
        let questions = inbox.client.questions_channel();
        let private = inbox.client.private_channel();
        let reply = inbox.subscribe("q", &questions).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
        let reply = inbox.subscribe("me", &private).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "me".into() });
        // A first subscription to the private channel starts with the player's standing.
        let snapshot = inbox.event("snapshot").await;
        assert_eq!(snapshot["score"], 0);
        inbox
    }

    /// Returns the first message, old or new, for which `wanted` is true, and keeps the others.
    pub async fn wait_for(&mut self, wanted: impl Fn(&ServerMessage) -> bool) -> ServerMessage {
        if let Some(position) = self.backlog.iter().position(&wanted) {
            return self.backlog.remove(position).expect("position is in range");
        }
        loop {
            let message = self.client.recv().await;
            if wanted(&message) {
                return message;
            }
            self.backlog.push_back(message);
        }
    }

    /// Returns the reply (success or error) to the subscribe, unsubscribe or publish `id`.
    pub async fn reply(&mut self, id: &str) -> ServerMessage {
        self.wait_for(|message| reply_id(message) == Some(id)).await
    }

    /// Returns the next `data` event whose `kind` is `kind`.
    pub async fn event(&mut self, kind: &str) -> serde_json::Value {
        let message = self
            .wait_for(|message| {
                matches!(message, ServerMessage::Data { event, .. } if event["kind"] == kind)
            })
            .await;
        match message {
            ServerMessage::Data { event, .. } => event,
            _ => unreachable!("wait_for returned a data message"),
        }
    }

    /// Returns the messages read while waiting for others and not taken yet.
    pub fn kept(&self) -> impl Iterator<Item = &ServerMessage> {
        self.backlog.iter()
    }

    /// Returns the next message, taking kept messages first.
    pub async fn next(&mut self) -> ServerMessage {
        match self.backlog.pop_front() {
            Some(message) => message,
            None => self.client.recv().await,
        }
    }

    /// Subscribes to `channel` under `id` and returns the reply.
    pub async fn subscribe(&mut self, id: &str, channel: &str) -> ServerMessage {
        self.client
            .send(&ClientMessage::Subscribe {
                id: id.into(),
                channel: channel.into(),
                since_seq: None,
            })
            .await;
        self.reply(id).await
    }

    /// Publishes `event` to `channel` under `id` and returns the reply.
    pub async fn publish(
        &mut self,
        id: &str,
        channel: &str,
        event: serde_json::Value,
    ) -> ServerMessage {
        self.client.publish(id, channel, event).await;
        self.reply(id).await
    }

    /// Answers question `index` with the 1-based `option` under `id` and returns the reply.
    pub async fn answer(&mut self, id: &str, index: usize, option: usize) -> ServerMessage {
        let channel = self.client.answers_channel();
        let event = json!({"index": index, "option": option});
        self.publish(id, &channel, event).await
    }
}

/// Returns the id of the request a reply message belongs to, or `None` for other messages.
pub fn reply_id(message: &ServerMessage) -> Option<&str> {
    match message {
        ServerMessage::SubscribeSuccess { id }
        | ServerMessage::SubscribeError { id, .. }
        | ServerMessage::UnsubscribeSuccess { id }
        | ServerMessage::UnsubscribeError { id, .. }
        | ServerMessage::PublishSuccess { id, .. }
        | ServerMessage::PublishError { id, .. } => Some(id),
        _ => None,
    }
}

/// Returns the `error_type` of each error in an error message, or panics on other messages.
pub fn error_types(message: &ServerMessage) -> Vec<String> {
    let errors = match message {
        ServerMessage::ConnectionError { errors }
        | ServerMessage::SubscribeError { errors, .. }
        | ServerMessage::UnsubscribeError { errors, .. }
        | ServerMessage::PublishError { errors, .. }
        | ServerMessage::Error { errors } => errors,
        other => panic!("expected an error message, got {other:?}"),
    };
    errors.iter().map(|e| e.error_type.clone()).collect()
}

pub mod admin;
pub mod process;

impl RawClient {
    /// Reads and discards frames until the server's close frame; returns its code and reason.
    pub async fn read_close(&mut self) -> (u16, String) {
        loop {
            let frame = tokio::time::timeout(Duration::from_secs(30), self.socket.next())
                .await
                .expect("a frame within 30 s");
            match frame {
                Some(Ok(Message::Close(Some(close)))) => {
                    return (u16::from(close.code), close.reason.to_string());
                }
                Some(Ok(Message::Close(None))) | None => return (0, String::new()),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("connection failed before its close frame: {e}"),
            }
        }
    }

    /// Reads and discards frames until the server's close frame; returns its reason.
    pub async fn read_until_close(&mut self) -> String {
        self.read_close().await.1
    }
}

/// Starts a host on a free loopback port that advertises `public_url` as its base URL, for
/// tests that put a proxy between players and the host.
pub async fn start_host_behind(
    bank: Bank,
    automation: Automation,
    public_url: String,
) -> RunningHost {
    host::start(HostOptions {
        bank,
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: Some(public_url),
        code: Some("TEST".into()),
        join_rate: NonZeroU32::new(2000).unwrap(),
        automation,
        results: None,
        db: None,
        resume: None,
        admin_key: None,
        limits: Limits::default(),
    })
    .await
    .expect("host starts")
}

impl RawClient {
    /// Connects with the session token of an earlier join, as a returning player does.
    pub async fn reconnect(host: &RunningHost, token: &str) -> RawClient {
        let ws_url = host.state.ws_url();
        let (socket, _) = tokio_tungstenite::connect_async(&ws_url).await.unwrap();
        let joined = JoinResponse {
            player_id: String::new(),
            name: String::new(),
            code: host.code.clone(),
            title: String::new(),
            token: token.to_string(),
            ws_url,
        };
        let mut client = RawClient { socket, joined };
        client
            .send(&ClientMessage::ConnectionInit {
                token: token.to_string(),
            })
            .await;
        match client.recv().await {
            ServerMessage::ConnectionAck {
                player_id, name, ..
            } => {
                client.joined.player_id = player_id;
                client.joined.name = name;
            }
            other => panic!("expected connection_ack, got {other:?}"),
        }
        client
    }
}

impl Inbox {
    /// Reconnects with `token` and subscribes to both channels as `q` and `me`, without waiting
    /// for the snapshot that follows.
    pub async fn reconnect(host: &RunningHost, token: &str) -> Inbox {
        let mut inbox = Inbox::new(RawClient::reconnect(host, token).await);
        let questions = inbox.client.questions_channel();
        let private = inbox.client.private_channel();
        let reply = inbox.subscribe("q", &questions).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
        let reply = inbox.subscribe("me", &private).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "me".into() });
        inbox
    }
}
