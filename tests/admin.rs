//! The admin API against a real host: games created and driven over HTTP, several games at
//! once, kicks, announcements and the close codes players see.

mod common;

use std::time::Duration;

use common::admin::{Admin, bank_toml};
use common::{Inbox, RawClient, bank, error_types, start_host};
use quizcast::client::events::PlayerEvent;
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::client::session::{self, SessionConfig};
use quizcast::client::{ClientError, new_player_id};
use quizcast::host::actor::{Automation, Control, GameCommand};
use quizcast::host::events::HostCommand;
use quizcast::protocol::{
    CLOSE_GAME_OVER, CLOSE_HOST_ENDED, CLOSE_KICKED, ClientMessage, ServerMessage,
};
use serde_json::json;
use tokio::sync::{mpsc, oneshot};

fn texts(standings: &serde_json::Value, field: &str) -> Vec<String> {
    standings
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s[field].to_string().trim_matches('"').to_string())
        .collect()
}

#[tokio::test]
async fn whole_game_driven_over_http() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let created = admin
        .create_game(&bank_toml("API quiz", "API question", 2), "apiq")
        .await;
    assert_eq!(created["code"], "APIQ");
    assert_eq!(created["state"], "lobby");
    assert_eq!(created["questions"], 2);
    assert!(
        created["join_url"]
            .as_str()
            .unwrap()
            .ends_with("/join/APIQ")
    );

    let (status, list) = admin.get("/games").await;
    assert_eq!(status, 200);
    assert_eq!(texts(&list["games"], "code"), vec!["APIQ", "TEST"]);

    let mut ann = Inbox::join_to(&host, "APIQ", "Ann").await;
    let mut bob = Inbox::join_to(&host, "APIQ", "Bob").await;
    let (status, body) = admin.action("APIQ", "next").await;
    assert_eq!(status, 409, "next before start: {body}");
    assert_eq!(body["error_type"], "InvalidPhase");

    let (status, body) = admin.action("APIQ", "start").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["state"], "question");
    assert_eq!(body["question"], 0);
    assert_eq!(ann.event("question").await["text"], "API question 0");
    assert_eq!(bob.event("question").await["text"], "API question 0");
    let (status, _) = admin.action("APIQ", "start").await;
    assert_eq!(status, 409, "a second start");

    // Both answer, which closes the question at once.
    let reply = ann.answer("a0", 0, 2).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let reply = bob.answer("b0", 0, 1).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    ann.event("question_closed").await;
    bob.event("question_closed").await;

    let (status, state) = admin.get("/games/APIQ").await;
    assert_eq!(status, 200);
    assert_eq!(state["state"], "results");
    assert_eq!(state["players"].as_array().unwrap().len(), 2);
    assert_eq!(texts(&state["standings"], "name"), vec!["Ann", "Bob"]);

    // The second question is closed by the API, not by answers.
    let (status, body) = admin.action("APIQ", "next").await;
    assert_eq!((status, &body["state"]), (200, &json!("question")));
    assert_eq!(ann.event("question").await["index"], 1);
    let (status, body) = admin.action("APIQ", "next").await;
    assert_eq!((status, &body["state"]), (200, &json!("results")));
    ann.event("question_closed").await;

    let (status, body) = admin.action("APIQ", "next").await;
    assert_eq!((status, &body["state"]), (200, &json!("over")));
    assert_eq!(ann.event("final").await["rank"], 1);
    assert_eq!(bob.event("final").await["rank"], 2);

    let (status, results) = admin.get("/games/APIQ/results").await;
    assert_eq!(status, 200);
    assert_eq!(results["final"], true);
    assert_eq!(texts(&results["standings"], "name"), vec!["Ann", "Bob"]);
    assert!(results["standings"][0]["score"].as_u64().unwrap() > 0);
    assert_eq!(results["standings"][1]["score"], 0);

    let (status, _) = admin.action("APIQ", "end").await;
    assert_eq!(status, 409, "end after the game is over");
    let (code, reason) = ann.client.read_close().await;
    assert_eq!(
        (code, reason.as_str()),
        (CLOSE_GAME_OVER, "the game is over")
    );
}

#[tokio::test]
async fn unknown_game_and_bad_bank_rejected() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    for path in ["/games/NOPE", "/games/NOPE/results"] {
        let (status, body) = admin.get(path).await;
        assert_eq!(status, 404, "{path}");
        assert_eq!(body["error_type"], "GameNotFound");
    }
    let (status, _) = admin.action("NOPE", "start").await;
    assert_eq!(status, 404);

    let (status, body) = admin
        .post_raw(
            "/games",
            "title = \"x\"\n[[questions]]\n",
            "application/toml",
        )
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_type"], "InvalidBank");
    let taken = bank_toml("Again", "Q", 1);
    let (status, body) = admin
        .post_raw("/games?code=test", &taken, "application/toml")
        .await;
    assert_eq!(status, 409, "the host's own code: {body}");
}

#[tokio::test]
async fn json_bank_accepted() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let bank = json!({
        "title": "JSON quiz",
        "questions": [{"text": "2 + 2?", "options": ["3", "4"], "correct": 2}]
    });
    let (status, body) = admin.post("/games", Some(bank)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["title"], "JSON quiz");
    assert_eq!(body["code"].as_str().unwrap().len(), 4, "a generated code");
}

#[tokio::test]
async fn api_game_stored_under_its_code() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("quiz.db");
    let host = quizcast::host::start(quizcast::host::HostOptions {
        bank: bank(1),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: Some("MAIN".into()),
        join_rate: std::num::NonZeroU32::new(2000).unwrap(),
        automation: Automation::default(),
        results: None,
        db: Some(db.clone()),
        resume: None,
        admin_key: None,
        limits: Default::default(),
    })
    .await
    .unwrap();
    let admin = Admin::new(&host);
    admin
        .create_game(&bank_toml("Side", "Side question", 3), "SIDE")
        .await;
    // A join is answered only after the player is committed, and the game before it.
    common::join_game_http(&host, "SIDE", "Ann").await;

    let saved = quizcast::store::load(&db, Some("SIDE")).unwrap();
    assert_eq!(saved.code, "SIDE");
    assert_eq!(saved.bank.title, "Side");
    assert_eq!(saved.players.len(), 1);
    assert_eq!(saved.players[0].name, "Ann");
    let main = quizcast::store::load(&db, Some("MAIN")).unwrap();
    assert!(main.players.is_empty(), "the other game got no player");
}

#[tokio::test]
async fn two_games_stay_isolated() {
    let host = start_host(bank(2), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    admin
        .create_game(&bank_toml("Other", "Other question", 2), "OTHR")
        .await;
    // The same name may play in both games.
    let mut first = Inbox::join(&host, "Ann").await;
    let mut second = Inbox::join_to(&host, "OTHR", "Ann").await;

    host.commands.send(HostCommand::Advance).unwrap();
    let (status, _) = admin.action("OTHR", "start").await;
    assert_eq!(status, 200);
    assert_eq!(first.event("question").await["text"], "Question 0");
    assert_eq!(second.event("question").await["text"], "Other question 0");

    let reply = first.answer("a", 0, 2).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let reply = second.answer("a", 0, 1).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let mine = first.event("result").await;
    let theirs = second.event("result").await;
    assert_eq!(mine["correct"], true);
    assert_eq!(mine["players"], 1);
    assert_eq!(theirs["correct"], false);
    assert_eq!(theirs["score"], 0);
    assert_eq!(theirs["players"], 1);

    for inbox in [&first, &second] {
        let foreign = if std::ptr::eq(inbox, &first) {
            "Other question"
        } else {
            "\"Question "
        };
        let leaked = inbox
            .kept()
            .any(|m| serde_json::to_string(m).unwrap().contains(foreign));
        assert!(!leaked, "an event of the other game arrived");
    }

    let (_, main) = admin.get("/games/TEST/results").await;
    let (_, other) = admin.get("/games/OTHR/results").await;
    assert_eq!(main["standings"].as_array().unwrap().len(), 1);
    assert!(main["standings"][0]["score"].as_u64().unwrap() > 0);
    assert_eq!(other["standings"].as_array().unwrap().len(), 1);
    assert_eq!(other["standings"][0]["score"], 0);
}

#[tokio::test]
async fn kick_closes_and_keeps_out() {
    let host = start_host(bank(2), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let mut ann = Inbox::join(&host, "Ann").await;
    let mut eve = RawClient::connect(&host, "Eve").await;
    let player_id = eve.joined.player_id.clone();
    let token = eve.joined.token.clone();

    let path = format!("/games/TEST/players/{player_id}/kick");
    let (status, body) = admin.post(&path, Some(json!({"reason": "cheating"}))).await;
    assert_eq!(status, 200, "{body}");
    let (code, reason) = eve.read_close().await;
    assert_eq!((code, reason.as_str()), (CLOSE_KICKED, "cheating"));

    // The token no longer opens a connection, and says why.
    let (mut socket, _) = tokio_tungstenite::connect_async(&host.state.ws_url())
        .await
        .unwrap();
    let init = ClientMessage::ConnectionInit {
        token: token.clone(),
    };
    use futures_util::{SinkExt, StreamExt};
    let text = serde_json::to_string(&init).unwrap();
    socket.send(text.into()).await.unwrap();
    let reply = socket.next().await.unwrap().unwrap();
    let reply: ServerMessage = serde_json::from_str(reply.to_text().unwrap()).unwrap();
    assert_eq!(error_types(&reply), vec!["PlayerKicked"]);
    assert!(format!("{reply:?}").contains("cheating"), "{reply:?}");

    // Neither the id nor the token joins again.
    let url = format!("http://{}/api/games/TEST/players", host.addr);
    let http = reqwest::Client::new();
    for request in [
        json!({"player_id": player_id, "name": "Eve2"}),
        json!({"player_id": player_id, "name": "Eve", "token": token}),
    ] {
        let response = http.post(&url).json(&request).send().await.unwrap();
        assert_eq!(response.status(), 403, "{request}");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error_type"], "PlayerKicked");
        assert!(body["error"].as_str().unwrap().contains("cheating"));
    }

    let (_, state) = admin.get("/games/TEST").await;
    let eve_state = state["players"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["player_id"] == player_id.as_str())
        .unwrap()
        .clone();
    assert_eq!(eve_state["kicked"], "cheating");
    assert_eq!(texts(&state["standings"], "name"), vec!["Ann"]);

    let (status, _) = admin.post(&path, None).await;
    assert_eq!(status, 409, "a second kick");
    let (status, body) = admin.post("/games/TEST/players/nobody/kick", None).await;
    assert_eq!(status, 404);
    assert_eq!(body["error_type"], "PlayerNotFound");

    // The others play on, and the kicked player no longer counts.
    host.commands.send(HostCommand::Advance).unwrap();
    assert_eq!(ann.event("question").await["index"], 0);
    let reply = ann.answer("a0", 0, 2).await;
    assert!(
        matches!(reply, ServerMessage::PublishSuccess { .. }),
        "{reply:?}"
    );
    let result = ann.event("result").await;
    assert_eq!(result["players"], 1);
    assert_eq!(result["rank"], 1);
}

#[tokio::test]
async fn kicked_session_reports_reason() {
    let host = start_host(bank(2), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let player_id = new_player_id();
    let config = SessionConfig {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        name: "Mallory".into(),
        player_id: player_id.clone(),
        retry: RetryPolicy {
            give_up_after: Duration::from_secs(30),
            ..RetryPolicy::default()
        },
        probe: None,
    };
    let (events_tx, mut events_rx) = mpsc::unbounded_channel();
    let (_commands_tx, commands_rx) = mpsc::unbounded_channel();
    let session = tokio::spawn(session::run(config, events_tx, commands_rx));
    loop {
        match events_rx
            .recv()
            .await
            .expect("the session reports its join")
        {
            PlayerEvent::Joined { .. } => break,
            _ => continue,
        }
    }

    let text = json!({"channel": "/game/TEST/announcements", "events": [{"text": "Be nice"}]});
    let (status, _) = admin.post("/publish", Some(text)).await;
    assert_eq!(status, 200);
    let announcement = loop {
        match events_rx.recv().await.expect("the announcement arrives") {
            PlayerEvent::Announcement { text } => break text,
            _ => continue,
        }
    };
    assert_eq!(announcement, "Be nice");

    let path = format!("/games/TEST/players/{player_id}/kick");
    let (status, _) = admin.post(&path, Some(json!({"reason": "spamming"}))).await;
    assert_eq!(status, 200);
    let result = session.await.unwrap();
    let Err(ClientError::Closed { code, message }) = result else {
        panic!("expected a closed session, got {result:?}");
    };
    assert_eq!(code, CLOSE_KICKED);
    assert_eq!(message, "The host removed you from the game: spamming.");
    let mut closed = None;
    while let Some(event) = events_rx.recv().await {
        if let PlayerEvent::Closed { code, message } = event {
            closed = Some((code, message));
        }
    }
    assert_eq!(
        closed,
        Some((
            CLOSE_KICKED,
            "The host removed you from the game: spamming.".to_string()
        ))
    );
}

#[tokio::test]
async fn kick_from_host_screen() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let mut eve = RawClient::connect(&host, "Eve").await;
    let kick = HostCommand::Kick {
        name: "Eve".into(),
        reason: "no reason given".into(),
    };
    host.commands.send(kick).unwrap();
    let (code, reason) = eve.read_close().await;
    assert_eq!(code, CLOSE_KICKED);
    assert_eq!(reason, "no reason given");
}

#[tokio::test]
async fn http_publish_reaches_one_game() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    admin.create_game(&bank_toml("Other", "Q", 1), "OTHR").await;
    let mut first = Inbox::join(&host, "Ann").await;
    let mut second = Inbox::join_to(&host, "OTHR", "Bob").await;
    for (inbox, code) in [(&mut first, "TEST"), (&mut second, "OTHR")] {
        let channel = format!("/game/{code}/announcements");
        let reply = inbox.subscribe("news", &channel).await;
        assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "news".into() });
    }

    let publish = |code: &str, text: &str| json!({"channel": format!("/game/{code}/announcements"), "events": [{"text": text}]});
    let (status, body) = admin.post("/publish", Some(publish("test", "Pizza"))).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["seq"], json!([1]));
    let (status, _) = admin.post("/publish", Some(publish("OTHR", "Break"))).await;
    assert_eq!(status, 200);
    assert_eq!(first.event("announcement").await["text"], "Pizza");
    // The first announcement the other game's player sees is its own.
    assert_eq!(second.event("announcement").await["text"], "Break");

    let questions = json!({"channel": "/game/TEST/questions", "events": [{"text": "fake"}]});
    let (status, body) = admin.post("/publish", Some(questions)).await;
    assert_eq!(status, 403, "{body}");
    let (status, _) = admin.post("/publish", Some(publish("NOPE", "x"))).await;
    assert_eq!(status, 404);
    let empty = json!({"channel": "/game/TEST/announcements", "events": []});
    let (status, _) = admin.post("/publish", Some(empty)).await;
    assert_eq!(status, 400);
}

#[tokio::test]
async fn shutdown_closes_with_reason() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    admin.create_game(&bank_toml("Other", "Q", 1), "OTHR").await;
    // Connections close whether they subscribed or not.
    let mut first = RawClient::connect(&host, "Ann").await;
    let mut second = RawClient::connect_to(&host, "OTHR", "Bob").await;
    let questions = first.questions_channel();
    first.subscribe("q", &questions).await;

    host.end_sessions(Duration::from_secs(5)).await;
    for client in [&mut first, &mut second] {
        let (code, reason) = client.read_close().await;
        assert_eq!(code, CLOSE_HOST_ENDED);
        assert_eq!(reason, "the host is shutting down");
    }
}

#[tokio::test]
async fn gift_bank_accepted_with_its_skips() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let gift = "::Capital:: What is the capital of France? {=Paris ~Lyon ~Nice}\n\n\
                Write an essay about Paris. {}\n";
    let (status, body) = admin
        .post_raw("/games?format=gift&code=GIFT", gift, "text/plain")
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["questions"], 1);
    let skipped = body["skipped"].as_array().expect("a skipped list");
    assert_eq!(skipped.len(), 1, "{body}");
    assert!(skipped[0].to_string().contains("essay"), "{body}");

    let (status, body) = admin
        .post_raw("/games?format=gift", "Write an essay. {}\n", "text/plain")
        .await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error_type"], "InvalidBank");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("no usable question"),
        "{body}"
    );
}

/// Upload errors name the query parameters of the admin API, not the command-line flags.
#[tokio::test]
async fn upload_errors_name_query_parameters() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let (status, body) = admin.post_raw("/games", "hello world", "text/plain").await;
    assert_eq!(status, 400, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("cannot tell the format"), "{body}");
    assert!(error.contains("format="), "{body}");
    assert!(!error.contains("--format"), "{body}");

    let aiken = b"Caf\xE9?\nA. yes\nB. no\nANSWER: A\n".to_vec();
    let (status, body) = admin
        .post_bytes("/games?name=cafe.txt", aiken, "text/plain")
        .await;
    assert_eq!(status, 400, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(error.contains("encoding=windows-1252"), "{body}");
    assert!(!error.contains("--encoding"), "{body}");
}

/// An upload without a `name` parameter gets a title for players, not the placeholder that names
/// the body in error messages.
#[tokio::test]
async fn unnamed_upload_gets_default_title() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let aiken = "Which planet is largest?\nA. Mars\nB. Jupiter\nANSWER: B\n";
    let (status, body) = admin
        .post_raw("/games?format=aiken", aiken, "text/plain")
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["title"], quizcast::import::DEFAULT_TITLE, "{body}");

    let (status, body) = admin
        .post_raw("/games?format=aiken&name=planets.txt", aiken, "text/plain")
        .await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["title"], "planets", "{body}");
}

#[tokio::test]
async fn question_file_larger_than_player_limit_accepted() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let questions: Vec<serde_json::Value> = (0..200)
        .map(|i| json!({"text": format!("Question number {i}: which option is right?"), "options": ["this one", "that one"], "correct": 1}))
        .collect();
    let bank = json!({"title": "Big quiz", "questions": questions});
    let size = bank.to_string().len();
    let limit = quizcast::server::limits::Limits::default().max_body_bytes;
    assert!(
        size > limit,
        "{size} bytes is not over the player limit of {limit}"
    );
    let (status, body) = admin.post("/games", Some(bank)).await;
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["questions"], 200);
}

/// A kick that the game handles after a join but before the join's reply reaches the HTTP
/// handler must still revoke the token that join issues.
#[tokio::test]
async fn kick_right_after_join_revokes_token() {
    let host = start_host(bank(2), 2000, Automation::default()).await;
    let game = host.state.registry.game("TEST").unwrap();
    let token = "0123456789abcdef0123456789abcdef".to_string();
    let (join_reply, joined) = oneshot::channel();
    let join = GameCommand::Join {
        player_id: "eve-1".into(),
        name: "Eve".into(),
        token: token.clone(),
        reply: join_reply,
    };
    game.commands.send(join).await.unwrap();
    let (kick_reply, kicked) = oneshot::channel();
    let kick = GameCommand::Control {
        action: Control::Kick {
            player_id: "eve-1".into(),
            reason: "spam".into(),
        },
        reply: kick_reply,
    };
    game.commands.send(kick).await.unwrap();
    assert!(kicked.await.unwrap().is_ok(), "the kick follows the join");
    assert!(joined.await.unwrap().is_ok());

    let registry = &host.state.registry;
    assert!(
        registry.session(&token).is_none(),
        "session survived the kick"
    );
    assert_eq!(registry.revoked(&token).as_deref(), Some("spam"));
}

#[tokio::test]
async fn game_count_is_capped() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let admin = Admin::new(&host);
    let file = bank_toml("Many", "Q", 1);
    // The host's own game counts too.
    for created in 1..quizcast::host::MAX_GAMES {
        let (status, body) = admin.post_raw("/games", &file, "application/toml").await;
        assert_eq!(status, 201, "game {created}: {body}");
    }
    let (status, body) = admin.post_raw("/games", &file, "application/toml").await;
    assert_eq!(status, 409, "{body}");
    assert_eq!(body["error_type"], "TooManyGames");
    let (status, body) = admin.get("/games").await;
    assert_eq!(status, 200);
    assert_eq!(
        body["games"].as_array().unwrap().len(),
        quizcast::host::MAX_GAMES
    );
}
