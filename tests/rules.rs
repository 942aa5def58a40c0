//! Protocol and HTTP rules checked over real sockets: a host on 127.0.0.1:0 and raw clients
//! that send exactly the frames and requests under test.

mod common;

use std::collections::BTreeSet;
use std::time::Duration;

use common::{Inbox, RawClient, bank, error_types, start_host};
use futures_util::{SinkExt, StreamExt};
use quizcast::bank::Bank;
use quizcast::host::RunningHost;
use quizcast::host::actor::Automation;
use quizcast::host::events::HostCommand;
use quizcast::protocol::{ClientMessage, MAX_FRAME_BYTES, ServerMessage};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// The keys of a `question` event, as `QuestionsEvent::Question` documents them.
const QUESTION_KEYS: [&str; 9] = [
    "kind",
    "index",
    "total",
    "text",
    "options",
    "time_limit_ms",
    "remaining_ms",
    "points",
    "sent_at_ms",
];

/// The keys of every `data` frame.
const DATA_KEYS: [&str; 4] = ["type", "id", "seq", "event"];

/// Maximum wait for one frame on a raw socket.
const FRAME_TIMEOUT: Duration = Duration::from_secs(10);

/// Starts a host whose game moves only on [`HostCommand`]s, so each test decides when a
/// question opens and closes.
async fn manual_host(bank: Bank) -> RunningHost {
    start_host(bank, 2000, Automation::default()).await
}

fn advance(host: &RunningHost) {
    host.commands
        .send(HostCommand::Advance)
        .expect("game actor is running");
}

fn close_question(host: &RunningHost) {
    host.commands
        .send(HostCommand::CloseQuestion)
        .expect("game actor is running");
}

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("expected a JSON object, got {value}"))
        .keys()
        .cloned()
        .collect()
}

fn key_set(names: &[&str]) -> BTreeSet<String> {
    names.iter().map(|name| name.to_string()).collect()
}

fn is_publish_success(message: &ServerMessage) -> bool {
    matches!(message, ServerMessage::PublishSuccess { .. })
}

// Answers.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_option_out_of_range_not_counted() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    advance(&host);
    let question = ada.event("question").await;
    assert_eq!(question["options"].as_array().map(Vec::len), Some(4));
    bob.event("question").await;

    let reply = ada.answer("above", 0, 5).await;
    assert_eq!(error_types(&reply), ["OptionOutOfRange"], "option 5 of 4");
    let reply = ada.answer("zero", 0, 0).await;
    assert_eq!(error_types(&reply), ["OptionOutOfRange"], "option 0");
    let reply = bob.answer("bob", 0, 2).await;
    assert!(is_publish_success(&reply), "{reply:?}");

    // Ada still counts as not answered, so the question stays open until the host closes it.
    close_question(&host);
    let closed = ada.event("question_closed").await;
    assert_eq!(closed["counts"], json!([0, 1, 0, 0]));
    let result = ada.event("result").await;
    assert_eq!(result["option"], Value::Null);
    assert_eq!(result["points"], 0);
    assert_eq!(result["correct"], false);
    let result = bob.event("result").await;
    assert!(result["points"].as_u64() > Some(0), "{result}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn duplicate_answer_keeps_first() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    advance(&host);
    ada.event("question").await;
    bob.event("question").await;

    let first = ada.answer("first", 0, 2).await;
    assert!(is_publish_success(&first), "{first:?}");
    let second = ada.answer("second", 0, 1).await;
    assert_eq!(error_types(&second), ["DuplicateAnswer"]);
    let reply = bob.answer("bob", 0, 3).await;
    assert!(is_publish_success(&reply), "{reply:?}");

    let closed = ada.event("question_closed").await;
    assert_eq!(closed["counts"], json!([0, 1, 1, 0]));
    let result = ada.event("result").await;
    assert_eq!(result["option"], 2);
    assert_eq!(result["correct"], true);
    assert!(result["points"].as_u64() > Some(0), "{result}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_after_close_rejected() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    advance(&host);
    ada.event("question").await;
    bob.event("question").await;

    let reply = ada.answer("ada", 0, 2).await;
    assert!(is_publish_success(&reply), "{reply:?}");
    close_question(&host);
    bob.event("question_closed").await;
    let late = bob.answer("late", 0, 2).await;
    assert_eq!(error_types(&late), ["QuestionNotOpen"]);
    let result = bob.event("result").await;
    assert_eq!(result["option"], Value::Null);
    assert_eq!(result["points"], 0);

    // The final standings come after the late answer, so they show it was never scored.
    advance(&host);
    let bob_final = bob.event("final").await;
    assert_eq!(bob_final["score"], 0);
    assert_eq!(bob_final["correct"], 0);
    let ada_final = ada.event("final").await;
    assert!(ada_final["score"].as_u64() > Some(0), "{ada_final}");
    assert_eq!(ada_final["correct"], 1);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_for_other_index_rejected() {
    let host = manual_host(bank(2)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let _bob = Inbox::join(&host, "Bob").await;

    let in_lobby = ada.answer("lobby", 0, 2).await;
    assert_eq!(error_types(&in_lobby), ["QuestionNotOpen"], "in the lobby");

    advance(&host);
    let question = ada.event("question").await;
    assert_eq!(question["index"], 0);
    let next = ada.answer("next", 1, 2).await;
    assert_eq!(error_types(&next), ["QuestionNotOpen"], "index 1");
    let far = ada.answer("far", 99, 2).await;
    assert_eq!(error_types(&far), ["QuestionNotOpen"], "index 99");

    // The rejected answers leave the open question answerable.
    let open = ada.answer("open", 0, 2).await;
    assert!(is_publish_success(&open), "{open:?}");
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answer_ack_precedes_result() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    advance(&host);
    ada.event("question").await;
    bob.event("question").await;
    let reply = ada.answer("ada", 0, 2).await;
    assert!(is_publish_success(&reply), "{reply:?}");

    // Bob's answer completes the question, and his acknowledgement must come before the
    // outcome it caused.
    let channel = bob.client.answers_channel();
    bob.client
        .publish("bob", &channel, json!({"index": 0, "option": 3}))
        .await;
    let first = bob.next().await;
    assert!(is_publish_success(&first), "first message: {first:?}");
    let second = bob.next().await;
    assert!(
        matches!(&second, ServerMessage::Data { event, .. } if event["kind"] == "question_closed"),
        "second message: {second:?}"
    );
    let third = bob.next().await;
    assert!(
        matches!(&third, ServerMessage::Data { event, .. } if event["kind"] == "result"),
        "third message: {third:?}"
    );
    host.stop().await;
}

// Channel authorization.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn subscribe_outside_own_channels_denied() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let bob = Inbox::join(&host, "Bob").await;
    let ada_id = ada.client.joined.player_id.clone();

    let denied = [
        ("other player", bob.client.private_channel()),
        ("answers", ada.client.answers_channel()),
        ("other game questions", "/game/ZZZZ/questions".to_string()),
        ("other game private", format!("/game/ZZZZ/players/{ada_id}")),
        ("outside /game", "/chat/TEST/questions".to_string()),
    ];
    for (n, (case, channel)) in denied.iter().enumerate() {
        let reply = ada.subscribe(&format!("denied{n}"), channel).await;
        assert!(
            matches!(reply, ServerMessage::SubscribeError { .. }),
            "{case}: {reply:?}"
        );
        assert_eq!(error_types(&reply), ["Unauthorized"], "{case}");
    }
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn publish_outside_answers_denied() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::join(&host, "Bob").await;

    let fake_close = json!({
        "kind": "question_closed", "index": 0, "correct": [1], "counts": [1], "sent_at_ms": 0
    });
    let fake_final = json!({
        "kind": "final", "rank": 1, "score": 9, "correct": 9, "players": 2, "sent_at_ms": 0
    });
    let denied = [
        ("questions", ada.client.questions_channel(), fake_close),
        ("other player", bob.client.private_channel(), fake_final),
        (
            "other game answers",
            "/game/ZZZZ/answers".to_string(),
            json!({"index": 0, "option": 1}),
        ),
    ];
    for (n, (case, channel, event)) in denied.into_iter().enumerate() {
        let reply = ada.publish(&format!("denied{n}"), &channel, event).await;
        assert!(
            matches!(reply, ServerMessage::PublishError { .. }),
            "{case}: {reply:?}"
        );
        assert_eq!(error_types(&reply), ["Unauthorized"], "{case}");
    }

    // Nothing reached Bob: his first message after the start is the first question, numbered 1
    // on its channel.
    advance(&host);
    match bob.next().await {
        ServerMessage::Data { id, seq, event } => {
            assert_eq!(id, "q");
            assert_eq!(seq, 1);
            assert_eq!(event["kind"], "question");
        }
        other => panic!("expected the first question, got {other:?}"),
    }
    host.stop().await;
}

// Connection handshake and malformed frames.

type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open_socket(host: &RunningHost) -> Socket {
    let url = format!("ws://{}/ws", host.addr);
    let (socket, _) = tokio_tungstenite::connect_async(url)
        .await
        .expect("WebSocket upgrade");
    socket
}

async fn send(socket: &mut Socket, message: &ClientMessage) {
    let text = serde_json::to_string(message).unwrap();
    socket.send(Message::Text(text.into())).await.unwrap();
}

/// Returns the next frame, or `None` when the server ended the connection.
async fn next_frame(socket: &mut Socket) -> Option<Message> {
    let frame = tokio::time::timeout(FRAME_TIMEOUT, socket.next())
        .await
        .expect("a frame or the end of the connection within 10 s");
    match frame {
        Some(Ok(message)) => Some(message),
        Some(Err(_)) | None => None,
    }
}

async fn expect_connection_error(socket: &mut Socket) -> ServerMessage {
    match next_frame(socket).await {
        Some(Message::Text(text)) => {
            let message: ServerMessage = serde_json::from_str(&text).unwrap();
            assert!(
                matches!(message, ServerMessage::ConnectionError { .. }),
                "{message:?}"
            );
            message
        }
        other => panic!("expected connection_error, got {other:?}"),
    }
}

/// Asserts that the server closes the connection: a close frame or the end of the stream,
/// with no other frame first.
async fn expect_closed(socket: &mut Socket) {
    match next_frame(socket).await {
        Some(Message::Close(_)) | None => {}
        other => panic!("expected the connection to close, got {other:?}"),
    }
}

#[tokio::test]
async fn unknown_token_closes_connection() {
    let host = manual_host(bank(1)).await;
    let mut socket = open_socket(&host).await;
    let token = "0123456789abcdef0123456789abcdef".to_string();
    send(&mut socket, &ClientMessage::ConnectionInit { token }).await;

    let error = expect_connection_error(&mut socket).await;
    assert_eq!(error_types(&error), ["Unauthorized"]);
    expect_closed(&mut socket).await;
    host.stop().await;
}

#[tokio::test]
async fn subscribe_before_init_rejected() {
    let host = manual_host(bank(1)).await;
    let mut socket = open_socket(&host).await;
    let subscribe = ClientMessage::Subscribe {
        id: "q".into(),
        channel: "/game/TEST/questions".into(),
        since_seq: None,
    };
    send(&mut socket, &subscribe).await;

    let error = expect_connection_error(&mut socket).await;
    assert_eq!(error_types(&error), ["InvalidMessage"]);
    expect_closed(&mut socket).await;
    host.stop().await;
}

#[tokio::test]
async fn malformed_frames_keep_connection() {
    let host = manual_host(bank(1)).await;
    let mut client = RawClient::connect(&host, "Ada").await;
    let token = client.joined.token.clone();

    let texts = [
        ("not JSON", "this is not JSON".to_string()),
        ("unknown type", r#"{"type":"shout","id":"x"}"#.to_string()),
        ("missing fields", r#"{"type":"subscribe"}"#.to_string()),
        (
            "second init",
            serde_json::to_string(&ClientMessage::ConnectionInit { token }).unwrap(),
        ),
    ];
    for (case, text) in texts {
        client.send_text(&text).await;
        let reply = client.recv().await;
        assert!(
            matches!(reply, ServerMessage::Error { .. }),
            "{case}: {reply:?}"
        );
        assert_eq!(error_types(&reply), ["InvalidMessage"], "{case}");
    }
    client.send_binary(b"\x00\x01binary").await;
    let reply = client.recv().await;
    assert!(
        matches!(reply, ServerMessage::Error { .. }),
        "binary: {reply:?}"
    );
    assert_eq!(error_types(&reply), ["InvalidMessage"], "binary");

    let channel = client.questions_channel();
    let reply = client.subscribe("q", &channel).await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    host.stop().await;
}

#[tokio::test]
async fn oversized_frame_closes_connection() {
    let host = manual_host(bank(1)).await;
    let joined = common::join_http(&host, "Ada").await;
    let mut socket = open_socket(&host).await;
    let token = joined.token.clone();
    send(&mut socket, &ClientMessage::ConnectionInit { token }).await;
    match next_frame(&mut socket).await {
        Some(Message::Text(text)) => assert!(text.contains("connection_ack"), "{text}"),
        other => panic!("expected connection_ack, got {other:?}"),
    }

    let oversized = format!(
        r#"{{"type":"subscribe","id":"{}","channel":"/game/TEST/questions"}}"#,
        "x".repeat(MAX_FRAME_BYTES)
    );
    socket.send(Message::Text(oversized.into())).await.unwrap();

    // The server stops reading this connection and counts the player as gone, so the socket
    // must close. Otherwise the client hears only keep-alives and never notices.
    let mut connections = host.state.connections();
    let gone = tokio::time::timeout(FRAME_TIMEOUT, connections.wait_for(|n| *n == 0)).await;
    assert!(
        gone.is_ok(),
        "the server still counts the player as connected"
    );
    let frame = tokio::time::timeout(Duration::from_secs(5), socket.next()).await;
    match frame {
        Ok(Some(Ok(Message::Close(_)))) | Ok(Some(Err(_))) | Ok(None) => {}
        Ok(other) => panic!("expected the connection to close, got {other:?}"),
        Err(_) => panic!("the socket is still open 5 s after the server stopped reading it"),
    }
    host.stop().await;
}

// What the question channel carries.

const HIDDEN_ANSWERS_BANK: &str = r#"
title = "Hidden answers"
time_limit = 5

[[questions]]
text = "Single"
options = ["a", "b", "c", "d"]
correct = 2

[[questions]]
text = "Two right"
options = ["a", "b", "c"]
correct = [1, 3]

[[questions]]
text = "Three right"
options = ["a", "b", "c", "d", "e"]
correct = [5, 2, 4]

[[questions]]
text = "Worth nothing"
options = ["yes", "no"]
correct = [2]
points = 0
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn question_frames_omit_correct() {
    let bank = Bank::parse_toml(HIDDEN_ANSWERS_BANK, "hidden.toml").unwrap();
    let expected_correct = [json!([2]), json!([1, 3]), json!([2, 4, 5]), json!([2])];
    let automation = Automation {
        auto_start: None,
        auto_advance: Some(Duration::ZERO),
    };
    let host = start_host(bank, 2000, automation).await;
    let mut client = RawClient::connect(&host, "Ada").await;
    let channel = client.questions_channel();
    let reply = client.subscribe("q", &channel).await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    advance(&host);

    // Read every frame of the game. The only player answers at once, which closes each
    // question and, with auto-advance 0, opens the next.
    let answers = client.answers_channel();
    let mut open: Option<u64> = None;
    let mut questions = 0;
    let mut closed = 0;
    loop {
        let text = client.recv_text().await;
        let frame: Value = serde_json::from_str(&text).unwrap();
        if frame["type"] != "data" || frame["id"] != "q" {
            continue;
        }
        let event = &frame["event"];
        match event["kind"].as_str() {
            Some("question") => {
                assert_eq!(keys(&frame), key_set(&DATA_KEYS), "{text}");
                assert_eq!(keys(event), key_set(&QUESTION_KEYS), "{text}");
                assert_eq!(
                    open, None,
                    "a question opened while another was open: {text}"
                );
                assert_eq!(event["index"], questions, "{text}");
                let index = event["index"].as_u64().unwrap();
                open = Some(index);
                questions += 1;
                let answer = json!({"index": index, "option": 1});
                client
                    .publish(&format!("answer{index}"), &answers, answer)
                    .await;
            }
            Some("question_closed") => {
                let index = event["index"].as_u64().unwrap();
                assert_eq!(
                    open,
                    Some(index),
                    "closed a question that was not open: {text}"
                );
                assert_eq!(event["correct"], expected_correct[index as usize], "{text}");
                open = None;
                closed += 1;
            }
            Some("game_over") => break,
            _ => panic!("unexpected event on the question channel: {text}"),
        }
    }
    assert_eq!(questions, expected_correct.len());
    assert_eq!(closed, expected_correct.len());
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn late_subscriber_gets_open_question() {
    let host = manual_host(bank(1)).await;
    let mut ada = Inbox::join(&host, "Ada").await;
    let mut bob = Inbox::new(RawClient::connect(&host, "Bob").await);
    let private = bob.client.private_channel();
    let reply = bob.subscribe("me", &private).await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "me".into() });

    advance(&host);
    let first = ada.event("question").await;
    assert_eq!(first["index"], 0);

    let channel = bob.client.questions_channel();
    let reply = bob.subscribe("q", &channel).await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q".into() });
    let message = bob
        .wait_for(|m| matches!(m, ServerMessage::Data { id, .. } if id == "q"))
        .await;
    let ServerMessage::Data { seq, event, .. } = message else {
        unreachable!("wait_for returned a data message");
    };
    assert_eq!(seq, 1, "the resent question keeps its sequence number");
    assert_eq!(keys(&event), key_set(&QUESTION_KEYS), "{event}");
    assert_eq!(event["index"], 0);
    assert_eq!(event["time_limit_ms"], 5000);
    let remaining = event["remaining_ms"].as_u64().unwrap();
    assert!(remaining < 5000, "remaining_ms {remaining}");
    assert!(remaining > 0, "remaining_ms {remaining}");

    // The late subscriber plays the open question like everyone else.
    let reply = bob.answer("bob", 0, 2).await;
    assert!(is_publish_success(&reply), "{reply:?}");
    host.stop().await;
}

// HTTP.

fn http() -> reqwest::Client {
    reqwest::Client::new()
}

async fn get_game(host: &RunningHost, code: &str) -> reqwest::Response {
    let url = format!("http://{}/api/games/{code}", host.addr);
    http().get(url).send().await.unwrap()
}

async fn post_join(host: &RunningHost, body: impl Into<reqwest::Body>) -> reqwest::Response {
    let url = format!("http://{}/api/games/{}/players", host.addr, host.code);
    http()
        .post(url)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap()
}

async fn join_as(host: &RunningHost, player_id: &str, name: &str) -> (u16, Value) {
    let body = json!({"player_id": player_id, "name": name}).to_string();
    let response = post_join(host, body).await;
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn game_info_reports_title_and_state() {
    let host = manual_host(bank(3)).await;
    let response = get_game(&host, "TEST").await;
    assert_eq!(response.status(), 200);
    let info: Value = response.json().await.unwrap();
    assert_eq!(info["code"], "TEST");
    assert_eq!(info["title"], "Test bank");
    assert_eq!(info["state"], "lobby");
    assert_eq!(info["players"], 0);
    assert_eq!(info["questions"], 3);

    let response = get_game(&host, "test").await;
    assert_eq!(response.status(), 200, "codes compare case-insensitively");
    host.stop().await;
}

#[tokio::test]
async fn game_info_unknown_code_404() {
    let host = manual_host(bank(1)).await;
    let response = get_game(&host, "NOPE").await;
    assert_eq!(response.status(), 404);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error_type"], "GameNotFound");
    let message = body["error"].as_str().unwrap();
    assert!(message.contains("NOPE"), "{message}");
    host.stop().await;
}

#[tokio::test]
async fn join_nickname_taken_ignores_case() {
    let host = manual_host(bank(1)).await;
    let (status, _) = join_as(&host, "p1", "Ada").await;
    assert_eq!(status, 201);

    for (n, name) in ["ADA", "ada", "  aDa "].into_iter().enumerate() {
        let (status, body) = join_as(&host, &format!("other{n}"), name).await;
        assert_eq!(status, 409, "{name:?}");
        assert_eq!(body["error_type"], "NicknameTaken", "{name:?}");
    }
    host.stop().await;
}

#[tokio::test]
async fn join_player_id_taken_409() {
    let host = manual_host(bank(1)).await;
    let (status, _) = join_as(&host, "p1", "Ada").await;
    assert_eq!(status, 201);
    let (status, body) = join_as(&host, "p1", "Bob").await;
    assert_eq!(status, 409);
    assert_eq!(body["error_type"], "PlayerIdTaken");
    host.stop().await;
}

#[tokio::test]
async fn join_invalid_nickname_400() {
    let host = manual_host(bank(1)).await;
    let cases = [
        ("empty", String::new()),
        ("blank", "   ".to_string()),
        ("21 characters", "x".repeat(21)),
        ("bell character", "a\u{7}b".to_string()),
        ("escape sequence", "a\u{1b}[31mb".to_string()),
    ];
    for (n, (case, name)) in cases.iter().enumerate() {
        let (status, body) = join_as(&host, &format!("p{n}"), name).await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body["error_type"], "InvalidNickname", "{case}");
    }
    let (status, body) = join_as(&host, "twenty", &"x".repeat(20)).await;
    assert_eq!(status, 201, "20 characters: {body}");
    host.stop().await;
}

#[tokio::test]
async fn join_invisible_nickname_400() {
    let host = manual_host(bank(1)).await;
    let cases = [
        ("zero-width space only", "\u{200B}"),
        ("zero-width joiners only", "\u{200D}\u{200D}"),
        ("right-to-left override", "\u{202E}evil"),
        ("line separator", "a\u{2028}b"),
    ];
    for (n, (case, name)) in cases.iter().enumerate() {
        let (status, body) = join_as(&host, &format!("p{n}"), name).await;
        assert_eq!(status, 400, "{case}: {body}");
        assert_eq!(body["error_type"], "InvalidNickname", "{case}");
    }
    host.stop().await;
}

#[tokio::test]
async fn join_malformed_body_400() {
    let host = manual_host(bank(1)).await;
    let cases = [
        ("not JSON", "player_id=p1&name=Ada"),
        ("missing player_id", r#"{"name": "Ada"}"#),
        ("name not a string", r#"{"player_id": "p1", "name": 7}"#),
    ];
    for (case, body) in cases {
        let response = post_join(&host, body).await;
        assert_eq!(response.status(), 400, "{case}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error_type"], "InvalidRequest", "{case}");
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains(r#"{"player_id": "...", "name": "..."}"#),
            "{case}: {message}"
        );
    }
    host.stop().await;
}

#[tokio::test]
async fn join_invalid_player_id_400() {
    let host = manual_host(bank(1)).await;
    let long = "x".repeat(65);
    let cases = [
        ("empty", ""),
        ("path", "../etc"),
        ("space", "has space"),
        ("65 bytes", long.as_str()),
    ];
    for (case, id) in cases {
        let (status, body) = join_as(&host, id, "Ada").await;
        assert_eq!(status, 400, "{case}");
        assert_eq!(body["error_type"], "InvalidPlayerId", "{case}");
    }
    host.stop().await;
}

#[tokio::test]
async fn join_over_rate_429() {
    let host = start_host(bank(1), 1, Automation::default()).await;
    let first = get_game(&host, "TEST").await;
    assert_eq!(first.status(), 200);

    let second = get_game(&host, "TEST").await;
    assert_eq!(second.status(), 429);
    let header = second
        .headers()
        .get("retry-after")
        .expect("Retry-After header")
        .to_str()
        .unwrap()
        .to_string();
    let seconds: u64 = header
        .parse()
        .unwrap_or_else(|e| panic!("Retry-After {header:?} is not whole seconds: {e}"));
    assert!(seconds >= 1, "Retry-After {seconds}");
    let body: Value = second.json().await.unwrap();
    assert_eq!(body["error_type"], "TooManyRequests");
    let wait_ms = body["retry_after_ms"].as_u64().expect("retry_after_ms");
    assert!(wait_ms >= 1, "retry_after_ms {wait_ms}");
    assert!(wait_ms <= 1000, "retry_after_ms {wait_ms} at 1 join/s");
    assert!(
        (seconds * 1000).abs_diff(wait_ms) <= 500,
        "Retry-After {seconds} s is not {wait_ms} ms rounded to seconds"
    );

    // The join endpoint shares the limit.
    let (status, body) = join_as(&host, "p1", "Ada").await;
    assert_eq!(status, 429, "{body}");
    host.stop().await;
}
