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
    host::start(HostOptions {
        bank,
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: Some("TEST".into()),
        join_rate: NonZeroU32::new(join_rate).unwrap(),
        automation,
        results: None,
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
    let url = format!("http://{}/api/games/{}/players", host.addr, host.code);
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
        let joined = join_http(host, name).await;
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
