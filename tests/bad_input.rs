//! Bad input against a real host on 127.0.0.1:0: malformed and hostile frames, requests and
//! nicknames, and every limit. After each, the host must still serve a new player normally.

mod common;

use std::time::Duration;

use common::{Inbox, bank, error_types, start_host_limited};
use futures_util::{SinkExt, StreamExt};
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::client::new_player_id;
use quizcast::client::session::{self, SessionConfig};
use quizcast::host::RunningHost;
use quizcast::host::actor::Automation;
use quizcast::protocol::{
    CLOSE_RATE_LIMITED, CLOSE_TOO_LARGE, CLOSE_UNAUTHORIZED, ClientMessage, ServerMessage,
};
use quizcast::server::limits::Limits;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Maximum wait for one frame, far above any timeout the tests configure.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// WebSocket close code for a text frame that is not valid UTF-8 (RFC 6455, 7.4.1).
const CLOSE_INVALID_PAYLOAD: u16 = 1007;
/// WebSocket close code for a policy violation, sent when `connection_init` never came.
const CLOSE_POLICY: u16 = 1008;
/// WebSocket close code for an endpoint going away, sent to an idle connection.
const CLOSE_AWAY: u16 = 1001;

async fn host_with(limits: Limits) -> RunningHost {
    start_host_limited(bank(2), Automation::default(), limits).await
}

/// Joins a new player, connects, subscribes to both channels and reads its snapshot: the host
/// still serves players normally.
async fn assert_host_serves(host: &RunningHost, name: &str) {
    let inbox = Inbox::join(host, name).await;
    drop(inbox);
}

async fn open_socket(host: &RunningHost) -> Socket {
    let url = format!("ws://{}/ws", host.addr);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket upgrade");
    socket
}

/// Joins `name` over HTTP and opens an authenticated socket for it.
async fn connected_socket(host: &RunningHost, name: &str) -> (Socket, String) {
    let joined = common::join_http(host, name).await;
    let mut socket = open_socket(host).await;
    let init = ClientMessage::ConnectionInit {
        token: joined.token.clone(),
    };
    send_text(&mut socket, &serde_json::to_string(&init).unwrap()).await;
    match next_message(&mut socket).await {
        ServerMessage::ConnectionAck { .. } => {}
        other => panic!("expected connection_ack, got {other:?}"),
    }
    (socket, joined.player_id)
}

async fn send_text(socket: &mut Socket, text: &str) {
    socket
        .send(Message::Text(text.to_string().into()))
        .await
        .expect("frame sent");
}

/// Sends a frame exactly as given, bypassing the client's checks and close state.
async fn send_raw(socket: &mut Socket, frame: Frame) {
    socket
        .send(Message::Frame(frame))
        .await
        .expect("frame sent");
}

/// Returns the next protocol message, skipping keep-alives.
async fn next_message(socket: &mut Socket) -> ServerMessage {
    loop {
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("a frame within 10 s")
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

/// Reads until the server's close frame and returns its code and reason; fails if the
/// connection ends without one.
async fn close_frame(socket: &mut Socket) -> (u16, String) {
    loop {
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("a close frame within 10 s");
        match frame {
            Some(Ok(Message::Close(Some(close)))) => {
                return (u16::from(close.code), close.reason.to_string());
            }
            Some(Ok(Message::Close(None))) | None => panic!("closed without a close frame"),
            Some(Ok(_)) => {}
            Some(Err(e)) => panic!("connection failed before its close frame: {e}"),
        }
    }
}

/// Sends `text` and returns the single `error` message it must cause.
async fn expect_invalid_message(socket: &mut Socket, case: &str, text: &str) -> String {
    send_text(socket, text).await;
    let reply = next_message(socket).await;
    let ServerMessage::Error { errors } = &reply else {
        panic!("{case}: expected an error message, got {reply:?}");
    };
    assert_eq!(error_types(&reply), ["InvalidMessage"], "{case}");
    errors[0].message.clone()
}

/// Subscribes on a raw socket and returns the reply.
async fn subscribe(socket: &mut Socket, id: &str, channel: &str) -> ServerMessage {
    let message = ClientMessage::Subscribe {
        id: id.into(),
        channel: channel.into(),
        since_seq: None,
    };
    send_text(socket, &serde_json::to_string(&message).unwrap()).await;
    loop {
        let reply = next_message(socket).await;
        if !matches!(reply, ServerMessage::Data { .. }) {
            return reply;
        }
    }
}

// Malformed frames.

#[tokio::test]
async fn malformed_json_keeps_connection() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;
    let cases = [
        ("truncated", r#"{"type":"subscribe","id":"q""#),
        ("empty", ""),
        ("bare brace", "{"),
        ("array", "[]"),
        ("null", "null"),
        ("string", r#""subscribe""#),
        ("number", "42"),
        ("trailing garbage", r#"{"type":"unsubscribe","id":"q"} x"#),
        ("unknown type", r#"{"type":"shout","id":"x"}"#),
        ("type not a string", r#"{"type":7,"id":"x"}"#),
        ("no type", r#"{"id":"x","channel":"/game/TEST/questions"}"#),
        (
            "subscribe without channel",
            r#"{"type":"subscribe","id":"q"}"#,
        ),
        (
            "subscribe without id",
            r#"{"type":"subscribe","channel":"/game/TEST/questions"}"#,
        ),
        (
            "publish without events",
            r#"{"type":"publish","id":"a","channel":"/game/TEST/answers"}"#,
        ),
        (
            "events not a list",
            r#"{"type":"publish","id":"a","channel":"/game/TEST/answers","events":{"index":0}}"#,
        ),
        ("id a number", r#"{"type":"unsubscribe","id":5}"#),
        (
            "negative since_seq",
            r#"{"type":"subscribe","id":"q","channel":"/game/TEST/questions","since_seq":-1}"#,
        ),
        (
            "lone surrogate escape",
            r#"{"type":"unsubscribe","id":"\udc00"}"#,
        ),
    ];
    for (case, text) in cases {
        let message = expect_invalid_message(&mut socket, case, text).await;
        assert!(
            message.starts_with("cannot parse message"),
            "{case}: {message}"
        );
    }

    // The connection still works after all of them.
    let reply = subscribe(&mut socket, "q", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn invalid_answer_events_rejected() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;
    let events = [
        json!([]),
        json!([{"index": 0}]),
        json!([{"index": 0, "option": "2"}]),
        json!([{"index": -1, "option": 2}]),
        json!([{"index": 0, "option": 2, "extra": true}]),
        json!([{"index": 0, "option": 2}, {"index": 0, "option": 3}]),
        json!([null]),
    ];
    for (n, events) in events.into_iter().enumerate() {
        let id = format!("a{n}");
        let publish =
            json!({"type": "publish", "id": id, "channel": "/game/TEST/answers", "events": events});
        send_text(&mut socket, &publish.to_string()).await;
        let reply = next_message(&mut socket).await;
        assert!(
            matches!(&reply, ServerMessage::PublishError { id: got, .. } if *got == id),
            "{events}: {reply:?}"
        );
        assert_eq!(error_types(&reply), ["InvalidAnswer"], "{events}");
    }
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn deeply_nested_json_rejected() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    // 5,000 levels of arrays and 2,000 of objects fit in the 16 KiB message limit and are far
    // past serde_json's recursion limit of 128, which turns them into a parse error instead of
    // a stack overflow.
    let depth = 5_000;
    let arrays = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
    expect_invalid_message(&mut socket, "nested arrays", &arrays).await;
    let objects = format!("{}1{}", r#"{"a":"#.repeat(2_000), "}".repeat(2_000));
    assert!(objects.len() < Limits::default().max_message_bytes);
    expect_invalid_message(&mut socket, "nested objects", &objects).await;
    let in_event = format!(
        r#"{{"type":"publish","id":"a","channel":"/game/TEST/answers","events":[{}{}]}}"#,
        "[".repeat(depth),
        "]".repeat(depth)
    );
    expect_invalid_message(&mut socket, "nested event", &in_event).await;

    let reply = subscribe(&mut socket, "q", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn large_message_under_limit_served() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    // A subscription id of 15,000 bytes is allowed: it is within the message limit, so the
    // reply echoes it.
    let id = "i".repeat(15_000);
    let reply = subscribe(&mut socket, &id, "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id });
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn oversized_message_closes_with_1009() {
    let limits = Limits {
        max_message_bytes: 1024,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (mut other, player_id) = connected_socket(&host, "Other").await;
    let private = format!("/game/TEST/players/{player_id}");
    assert_eq!(
        subscribe(&mut other, "me", &private).await,
        ServerMessage::SubscribeSuccess { id: "me".into() }
    );
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    let oversized = format!(r#"{{"type":"unsubscribe","id":"{}"}}"#, "x".repeat(1024));
    send_text(&mut socket, &oversized).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, CLOSE_TOO_LARGE, "{reason}");
    assert!(reason.contains("1024 bytes"), "{reason}");
    assert!(reason.contains("--max-message-bytes"), "{reason}");

    // A player connected before keeps its connection, and new players are served.
    assert_eq!(
        subscribe(&mut other, "q", "/game/TEST/questions").await,
        ServerMessage::SubscribeSuccess { id: "q".into() }
    );
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn invalid_utf8_text_closes_with_1007() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    let bytes = b"{\"type\":\"unsubscribe\",\"id\":\"\xff\xfe\"}".to_vec();
    let frame = Frame::message(bytes, OpCode::Data(Data::Text), true);
    send_raw(&mut socket, frame).await;
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, CLOSE_INVALID_PAYLOAD, "{reason}");
    assert!(reason.contains("UTF-8"), "{reason}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn binary_frames_rejected_connection_kept() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    let payloads: [&[u8]; 3] = [
        b"\xff\xfe\x00invalid utf-8",
        br#"{"type":"subscribe","id":"q","channel":"/game/TEST/questions"}"#,
        b"",
    ];
    for payload in payloads {
        socket
            .send(Message::Binary(payload.to_vec().into()))
            .await
            .unwrap();
        let reply = next_message(&mut socket).await;
        assert_eq!(error_types(&reply), ["InvalidMessage"], "{payload:?}");
    }
    let reply = subscribe(&mut socket, "q", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn frames_after_close_ignored() {
    let host = host_with(Limits::default()).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;
    let mut connections = host.state.connections();
    assert_eq!(*connections.borrow(), 1);

    // Raw frames get past the client library, which refuses to send after its own close.
    let close = CloseFrame {
        code: CloseCode::Normal,
        reason: "".into(),
    };
    send_raw(&mut socket, Frame::close(Some(close))).await;
    let subscribe = r#"{"type":"subscribe","id":"q","channel":"/game/TEST/questions"}"#;
    let text = Frame::message(
        subscribe.as_bytes().to_vec(),
        OpCode::Data(Data::Text),
        true,
    );
    let _ = socket.send(Message::Frame(text)).await;

    // The server ends the connection after the close and never answers the subscribe.
    // `is_ok` drops the watch guard at once; holding it would block the server's next update.
    let closed = tokio::time::timeout(FRAME_TIMEOUT, connections.wait_for(|n| *n == 0))
        .await
        .is_ok();
    assert!(closed, "the connection is still counted as open");
    loop {
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("the connection ends within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => {
                assert!(
                    !text.contains("subscribe_success"),
                    "answered after close: {text}"
                );
            }
            Some(Ok(_)) => {}
            Some(Err(_)) | None => break,
        }
    }
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

// Timeouts.

#[tokio::test]
async fn silent_connection_closed_after_init_timeout() {
    let limits = Limits {
        init_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let host = host_with(limits).await;
    // The server's timer starts at the upgrade, so a clock started before it reads at least the
    // timeout when the close arrives.
    let started = std::time::Instant::now();
    let mut socket = open_socket(&host).await;

    let error = next_message(&mut socket).await;
    assert_eq!(error_types(&error), ["InitTimeout"]);
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, CLOSE_POLICY, "{reason}");
    assert!(reason.contains("300 ms"), "{reason}");
    assert!(reason.contains("--init-timeout-ms"), "{reason}");
    assert!(
        started.elapsed() >= Duration::from_millis(300),
        "closed before the timeout: {:?}",
        started.elapsed()
    );
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

/// Reads raw WebSocket frames from `tcp` without answering pings, as a client that stopped
/// responding would, until the server closes; returns the close frame's code and reason.
async fn raw_close_frame(tcp: &mut TcpStream) -> (u16, String) {
    let mut bytes = Vec::new();
    let read = tokio::time::timeout(FRAME_TIMEOUT, tcp.read_to_end(&mut bytes)).await;
    assert!(
        read.is_ok(),
        "the server did not end the connection within 10 s"
    );

    // Server frames are unmasked: opcode byte, length byte (126 means a 16-bit length follows),
    // then the payload. A close payload is a 16-bit code and a UTF-8 reason.
    let mut at = 0;
    while at + 2 <= bytes.len() {
        let opcode = bytes[at] & 0x0f;
        let (length, header) = match bytes[at + 1] & 0x7f {
            126 => (
                usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]])),
                4,
            ),
            127 => panic!("unexpected 64-bit frame length from the server"),
            short => (usize::from(short), 2),
        };
        let payload = &bytes[at + header..at + header + length];
        if opcode == 0x8 {
            let code = u16::from_be_bytes([payload[0], payload[1]]);
            return (code, String::from_utf8_lossy(&payload[2..]).into_owned());
        }
        at += header + length;
    }
    panic!("the connection ended without a close frame");
}

#[tokio::test]
async fn unresponsive_client_closed_after_idle_timeout() {
    let limits = Limits {
        keepalive_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..Limits::default()
    };
    let host = host_with(limits).await;
    // The server's idle timer starts at connection_ack, after this clock.
    let started = std::time::Instant::now();
    let (socket, _) = connected_socket(&host, "Ada").await;

    // From here on nothing reads the socket through the WebSocket library, so no pong is sent.
    let MaybeTlsStream::Plain(mut tcp) = socket.into_inner() else {
        panic!("expected a plain TCP stream");
    };
    let (code, reason) = raw_close_frame(&mut tcp).await;
    assert_eq!(code, CLOSE_AWAY, "{reason}");
    assert!(reason.contains("400 ms"), "{reason}");
    assert!(started.elapsed() >= Duration::from_millis(400));
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn responsive_client_kept_past_idle_timeout() {
    let limits = Limits {
        keepalive_interval: Duration::from_millis(100),
        idle_timeout: Duration::from_millis(400),
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    // A client that keeps reading answers every ping, so it stays connected through many idle
    // timeouts. Count keep-alives for about 1.2 s (12 intervals, 3 idle timeouts).
    let mut keepalives = 0;
    while keepalives < 12 {
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("a keep-alive within 10 s")
            .expect("connection open")
            .expect("valid frame");
        match frame {
            Message::Text(text) if text.contains(r#""type":"ka""#) => keepalives += 1,
            Message::Close(close) => panic!("closed while answering pings: {close:?}"),
            _ => {}
        }
    }
    let reply = subscribe(&mut socket, "q", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    host.stop().await;
}

// Authorization close code.

#[tokio::test]
async fn unknown_token_closes_with_4003() {
    let host = host_with(Limits::default()).await;
    let mut socket = open_socket(&host).await;
    let init = ClientMessage::ConnectionInit {
        token: "0123456789abcdef0123456789abcdef".into(),
    };
    send_text(&mut socket, &serde_json::to_string(&init).unwrap()).await;
    let error = next_message(&mut socket).await;
    assert_eq!(error_types(&error), ["Unauthorized"]);
    let (code, reason) = close_frame(&mut socket).await;
    assert_eq!(code, CLOSE_UNAUTHORIZED, "{reason}");
    assert!(reason.contains("unknown session token"), "{reason}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

// Per-connection limits.

#[tokio::test]
async fn subscriptions_over_limit_rejected() {
    let limits = Limits {
        max_subscriptions: 2,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (mut socket, player_id) = connected_socket(&host, "Ada").await;
    let private = format!("/game/TEST/players/{player_id}");
    for (id, channel) in [("q", "/game/TEST/questions"), ("me", private.as_str())] {
        let reply = subscribe(&mut socket, id, channel).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: id.into() });
    }

    let reply = subscribe(&mut socket, "q2", "/game/TEST/questions").await;
    let ServerMessage::SubscribeError { id, errors } = &reply else {
        panic!("expected subscribe_error, got {reply:?}");
    };
    assert_eq!(id, "q2");
    assert_eq!(error_types(&reply), ["TooManySubscriptions"]);
    assert!(
        errors[0].message.contains("at most 2"),
        "{}",
        errors[0].message
    );
    assert!(
        errors[0].message.contains("--max-subscriptions"),
        "{}",
        errors[0].message
    );

    // Unsubscribing frees a place.
    send_text(&mut socket, r#"{"type":"unsubscribe","id":"q"}"#).await;
    let reply = next_message(&mut socket).await;
    assert_eq!(reply, ServerMessage::UnsubscribeSuccess { id: "q".into() });
    let reply = subscribe(&mut socket, "q2", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q2".into() });
    host.stop().await;
}

#[tokio::test]
async fn publish_flood_limited_then_closed() {
    let limits = Limits {
        publish_rate: 1,
        publish_burst: 2,
        publish_strikes: 3,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (mut socket, _) = connected_socket(&host, "Ada").await;

    // No question is open, so publishes within the limit get QuestionNotOpen; those over it
    // get RateLimited, and after 3 of those in a row the host closes the connection. A stalled
    // test machine may refill a token on the way, so the loop allows a few extra publishes.
    let mut limited = 0;
    let mut not_open = 0;
    let mut close = None;
    for n in 0..40 {
        let publish = json!({
            "type": "publish", "id": format!("a{n}"), "channel": "/game/TEST/answers",
            "events": [{"index": 0, "option": 1}],
        });
        send_text(&mut socket, &publish.to_string()).await;
        let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
            .await
            .expect("a reply within 10 s");
        match frame {
            Some(Ok(Message::Text(text))) => {
                let reply: ServerMessage = serde_json::from_str(&text).unwrap();
                match error_types(&reply).as_slice() {
                    [kind] if kind == "RateLimited" => {
                        let ServerMessage::PublishError { errors, .. } = &reply else {
                            panic!("{reply:?}");
                        };
                        assert!(errors[0].message.contains("--publish-rate"), "{reply:?}");
                        limited += 1;
                    }
                    [kind] if kind == "QuestionNotOpen" => not_open += 1,
                    other => panic!("unexpected reply {other:?}: {reply:?}"),
                }
            }
            Some(Ok(Message::Close(Some(frame)))) => {
                close = Some((u16::from(frame.code), frame.reason.to_string()));
                break;
            }
            other => panic!("expected a reply or a close, got {other:?}"),
        }
    }
    assert!(not_open >= 2, "the burst of 2 was not allowed: {not_open}");
    assert!(limited >= 3, "only {limited} publishes were rate limited");
    let (code, reason) = close.expect("the host closed the flooding connection");
    assert_eq!(code, CLOSE_RATE_LIMITED, "{reason}");
    assert!(reason.contains("rate limited"), "{reason}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn connections_per_ip_over_limit_get_429() {
    let limits = Limits {
        max_connections_per_ip: 2,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (_first, _) = connected_socket(&host, "Ada").await;
    let (_second, _) = connected_socket(&host, "Bob").await;

    let url = format!("ws://{}/ws", host.addr);
    let error = tokio_tungstenite::connect_async(url)
        .await
        .expect_err("the third upgrade is rejected");
    let tokio_tungstenite::tungstenite::Error::Http(response) = error else {
        panic!("expected an HTTP error response, got {error}");
    };
    assert_eq!(response.status(), 429);
    let body: Value = serde_json::from_slice(response.body().as_deref().unwrap_or_default())
        .expect("a JSON error body");
    assert_eq!(body["error_type"], "TooManyConnections");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("127.0.0.1"), "{message}");
    assert!(message.contains("--max-connections-per-ip"), "{message}");

    // Joining over HTTP is not a WebSocket connection and still works.
    let joined = common::join_http(&host, "Cy").await;
    assert_eq!(joined.name, "Cy");
    host.stop().await;
}

#[tokio::test]
async fn player_over_connection_limit_sees_fix() {
    let limits = Limits {
        max_connections_per_ip: 1,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let (_first, _) = connected_socket(&host, "Ada").await;

    let config = SessionConfig {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        name: "Bob".into(),
        player_id: new_player_id(),
        retry: RetryPolicy::default(),
        probe: None,
    };
    let (events_tx, _events_rx) = mpsc::unbounded_channel();
    let (_commands_tx, commands_rx) = mpsc::unbounded_channel();
    let error = session::run(config, events_tx, commands_rx)
        .await
        .expect_err("the upgrade over the limit fails the session");
    let message = error.to_string();
    assert!(message.contains("429"), "{message}");
    assert!(message.contains("--max-connections-per-ip"), "{message}");
    host.stop().await;
}

// HTTP bodies.

fn join_url(host: &RunningHost) -> String {
    format!("http://{}/api/games/{}/players", host.addr, host.code)
}

#[tokio::test]
async fn oversized_join_body_gets_413() {
    let limits = Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    };
    let host = host_with(limits).await;
    let body = json!({"player_id": "p1", "name": "Ada", "padding": "x".repeat(2000)});
    let response = reqwest::Client::new()
        .post(join_url(&host))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
    let body: Value = response.json().await.expect("a JSON error body");
    assert_eq!(body["error_type"], "PayloadTooLarge");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("1024 bytes"), "{message}");
    assert!(message.contains("--max-body-bytes"), "{message}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn oversized_chunked_body_gets_413() {
    let limits = Limits {
        max_body_bytes: 1024,
        ..Limits::default()
    };
    let host = host_with(limits).await;

    // Chunked encoding declares no length, so the limit applies while the body is read.
    let chunk = "x".repeat(4096);
    let request = format!(
        "POST /api/games/{}/players HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        host.code,
        host.addr,
        chunk.len()
    );
    let mut tcp = TcpStream::connect(host.addr).await.unwrap();
    tcp.write_all(request.as_bytes()).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(FRAME_TIMEOUT, tcp.read_to_end(&mut response))
        .await
        .expect("a response within 10 s")
        .unwrap();
    let response = String::from_utf8_lossy(&response);
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("PayloadTooLarge"), "{response}");
    assert!(response.contains("--max-body-bytes"), "{response}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

// Nicknames.

async fn post_join(host: &RunningHost, player_id: &str, name: &str) -> (u16, Value) {
    let response = reqwest::Client::new()
        .post(join_url(host))
        .json(&json!({"player_id": player_id, "name": name}))
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn nickname_controls_and_bidi_rejected() {
    let host = host_with(Limits::default()).await;
    let cases = [
        ("bell", "a\u{7}b", "U+0007"),
        ("escape sequence", "a\u{1b}[31mred", "U+001B"),
        ("newline", "two\nlines", "U+000A"),
        ("NUL", "nul\u{0}", "U+0000"),
        ("right-to-left override", "\u{202E}evil", "U+202E"),
        ("left-to-right isolate", "x\u{2066}y", "U+2066"),
        ("right-to-left mark", "a\u{200F}b", "U+200F"),
        ("line separator", "a\u{2028}b", "U+2028"),
    ];
    for (n, (case, name, named)) in cases.into_iter().enumerate() {
        let (status, body) = post_join(&host, &format!("p{n}"), name).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert_eq!(body["error_type"], "InvalidNickname", "{case}");
        let message = body["error"].as_str().unwrap();
        assert!(message.contains(named), "{case}: {message}");
    }
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}

#[tokio::test]
async fn nickname_emoji_accepted() {
    let host = host_with(Limits::default()).await;
    for (n, name) in ["👩‍💻 Ada", "🇫🇷", "👨‍👩‍👧‍👦 family", "Zoë ☃"]
        .into_iter()
        .enumerate()
    {
        let (status, body) = post_join(&host, &format!("e{n}"), name).await;
        assert_eq!(status, 201, "{name}: {body}");
        assert_eq!(body["name"], name);
    }
    host.stop().await;
}

#[tokio::test]
async fn nickname_nfd_and_nfc_collide() {
    let host = host_with(Limits::default()).await;
    let nfd = "Rene\u{0301}";
    let nfc = "Ren\u{00E9}";

    let (status, body) = post_join(&host, "p1", nfd).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["name"], nfc, "names are stored in NFC");

    let (status, body) = post_join(&host, "p2", nfc).await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error_type"], "NicknameTaken");
    let (status, body) = post_join(&host, "p3", "RENE\u{0301}").await;
    assert_eq!(status, 409, "{body}");
    assert_host_serves(&host, "Bob").await;
    host.stop().await;
}
