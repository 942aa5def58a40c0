//! Each authorization rule of the security model against a real host with two games: channel
//! access, session tokens, and the admin key.

mod common;

use common::admin::{Admin, bank_toml};
use common::{Inbox, RawClient, bank, error_types, join_game_http, start_host};
use quizcast::host::RunningHost;
use quizcast::host::actor::Automation;
use quizcast::protocol::ServerMessage;
use serde_json::json;

/// Starts a host whose own game is `TEST`, with a second game `OTHR` created through the
/// admin API.
async fn two_games() -> RunningHost {
    let host = start_host(bank(2), 2000, Automation::default()).await;
    Admin::new(&host)
        .create_game(&bank_toml("Other", "Other question", 2), "OTHR")
        .await;
    host
}

#[tokio::test]
async fn other_players_channel_denied() {
    let host = two_games().await;
    let ann = RawClient::connect(&host, "Ann").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    let reply = bob.subscribe("spy", &ann.private_channel()).await;
    assert_eq!(error_types(&reply), ["Unauthorized"]);
}

#[tokio::test]
async fn other_games_channels_denied() {
    let host = two_games().await;
    let other = RawClient::connect_to(&host, "OTHR", "Ann").await;
    let mut bob = Inbox::join(&host, "Bob").await;
    for channel in [
        "/game/OTHR/questions".to_string(),
        "/game/othr/questions".to_string(),
        "/game/OTHR/announcements".to_string(),
        other.private_channel(),
    ] {
        let reply = bob.subscribe("spy", &channel).await;
        assert_eq!(error_types(&reply), ["Unauthorized"], "{channel}");
    }
}

#[tokio::test]
async fn publish_to_game_channels_denied() {
    let host = two_games().await;
    let mut bob = Inbox::join(&host, "Bob").await;
    let event = json!({"kind": "question", "text": "fake"});
    for channel in [
        "/game/TEST/questions",
        "/game/TEST/announcements",
        "/game/OTHR/answers",
        "/game/OTHR/announcements",
    ] {
        let reply = bob.publish("p", channel, event.clone()).await;
        assert_eq!(error_types(&reply), ["Unauthorized"], "{channel}");
    }
}

#[tokio::test]
async fn token_of_another_player_not_replayed() {
    let host = two_games().await;
    let ann = join_game_http(&host, "TEST", "Ann").await;
    let bob = join_game_http(&host, "TEST", "Bob").await;
    let url = |code: &str| format!("http://{}/api/games/{code}/players", host.addr);
    let http = reqwest::Client::new();

    // Ann's token with Bob's id in the same game does not give Bob's session.
    let request = json!({"player_id": bob.player_id, "name": "Bob", "token": ann.token});
    let response = http.post(url("TEST")).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 409);

    // Ann's token in another game is no session there: the join makes a new player.
    let request = json!({"player_id": ann.player_id, "name": "Ann", "token": ann.token});
    let response = http.post(url("OTHR")).json(&request).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let joined: serde_json::Value = response.json().await.unwrap();
    assert_ne!(joined["token"], ann.token.as_str());
    assert_eq!(joined["code"], "OTHR");
}

#[tokio::test]
async fn token_grants_its_own_game_only() {
    let host = two_games().await;
    let ann = join_game_http(&host, "TEST", "Ann").await;
    let mut client = Inbox::new(RawClient::reconnect(&host, &ann.token).await);
    assert_eq!(client.client.joined.player_id, ann.player_id);
    let reply = client.subscribe("q", "/game/OTHR/questions").await;
    assert_eq!(error_types(&reply), ["Unauthorized"]);
    let reply = client.subscribe("q2", "/game/TEST/questions").await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "q2".into() });
}

#[tokio::test]
async fn admin_calls_need_the_key() {
    let host = two_games().await;
    let admin = Admin::new(&host);
    let almost = &host.admin_key[..host.admin_key.len() - 1];
    let publish = json!({"channel": "/game/TEST/announcements", "events": [{"text": "x"}]});
    for key in [None, Some("wrong-key-wrong-key-wrong-key-00"), Some(almost)] {
        let client = admin.with_key(key);
        let replies = [
            client.get("/games").await,
            client.get("/games/TEST").await,
            client.get("/games/TEST/results").await,
            client.post("/games", Some(json!({"title": "x"}))).await,
            client.action("TEST", "start").await,
            client.action("TEST", "next").await,
            client.action("TEST", "end").await,
            client.post("/games/TEST/players/p/kick", None).await,
            client.post("/publish", Some(publish.clone())).await,
        ];
        for (status, body) in replies {
            assert_eq!(status, 401, "key {key:?}: {body}");
            assert_eq!(body["error_type"], "Unauthorized");
        }
    }
    // Nothing the rejected calls asked for happened.
    let (_, list) = admin.get("/games").await;
    assert_eq!(list["games"].as_array().unwrap().len(), 2);
    let (_, state) = admin.get("/games/TEST").await;
    assert_eq!(state["state"], "lobby");
}

#[tokio::test]
async fn generated_admin_key_is_long() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    assert_eq!(host.admin_key.len(), 32, "128 bits as hex");
    assert!(host.admin_key.bytes().all(|b| b.is_ascii_hexdigit()));
    let other = start_host(bank(1), 2000, Automation::default()).await;
    assert_ne!(host.admin_key, other.admin_key);
}

#[tokio::test]
async fn session_token_is_not_an_admin_key() {
    let host = two_games().await;
    let ann = join_game_http(&host, "TEST", "Ann").await;
    let (status, _) = Admin::new(&host)
        .with_key(Some(&ann.token))
        .action("TEST", "start")
        .await;
    assert_eq!(status, 401);
}

fn options_with_key(key: &str) -> quizcast::host::HostOptions {
    quizcast::host::HostOptions {
        bank: bank(1),
        bind: "127.0.0.1:0".parse().unwrap(),
        public_url: None,
        code: Some("KEYS".into()),
        join_rate: std::num::NonZeroU32::new(2000).unwrap(),
        automation: Automation::default(),
        results: None,
        db: None,
        resume: None,
        admin_key: Some(key.into()),
        limits: Default::default(),
    }
}

#[tokio::test]
async fn configured_key_used_and_not_shown() {
    let key = "configured-key-0123456789";
    let mut host = quizcast::host::start(options_with_key(key)).await.unwrap();
    assert_eq!(host.admin_key, key);
    let listening = host.events.recv().await.unwrap();
    let quizcast::host::events::HostEvent::Listening { admin_key, .. } = listening else {
        panic!("expected the listening event first, got {listening:?}");
    };
    assert_eq!(admin_key, None, "a configured key is not shown");
    let (status, _) = Admin::new(&host).get("/games").await;
    assert_eq!(status, 200);
}

#[tokio::test]
async fn short_configured_key_rejected() {
    let error = quizcast::host::start(options_with_key("short"))
        .await
        .err()
        .expect("a 5-character key is rejected");
    assert!(error.to_string().contains("too short"), "{error}");
}

/// A key that no `Authorization` header can carry intact would make every admin request fail,
/// so the host refuses to start with it.
#[tokio::test]
async fn unsendable_configured_key_rejected() {
    for key in [
        " padded-key-0123456789",
        "padded-key-0123456789 ",
        "schlüssel-schlüssel-0123",
        "tab\tkey-0123456789",
        "line\nkey-0123456789",
    ] {
        let error = quizcast::host::start(options_with_key(key))
            .await
            .err()
            .unwrap_or_else(|| panic!("the key {key:?} is rejected"));
        assert!(error.to_string().contains("printable ASCII"), "{error}");
    }
}

#[tokio::test]
async fn configured_key_with_inner_space_used() {
    let key = "correct horse battery staple";
    let host = quizcast::host::start(options_with_key(key)).await.unwrap();
    let (status, body) = Admin::new(&host).get("/games").await;
    assert_eq!(status, 200, "{body}");
}

/// Spellings of another game's or another player's channel that a lenient parser could map
/// onto the real channel are all rejected, while the own channels stay open in any code case.
#[tokio::test]
async fn channel_path_variants_denied() {
    let host = two_games().await;
    let ann = RawClient::connect(&host, "Ann").await;
    let ann_id = ann.joined.player_id.clone();
    let mut bob = Inbox::join(&host, "Bob").await;
    let denied = [
        "/game/OTHR/questions/".to_string(),
        "//game/OTHR/questions".to_string(),
        "/game/OTHR/Questions".to_string(),
        "/game/OTHR /questions".to_string(),
        "/game/%4FTHR/questions".to_string(),
        "/game/\u{FF2F}THR/questions".to_string(),
        "/game/TEST/../OTHR/questions".to_string(),
        "/game/TEST/players/../../OTHR/questions".to_string(),
        format!("/game/TEST/players/{ann_id}/"),
        format!("/game/TEST/players/{}", ann_id.to_uppercase()),
        format!("/game/TEST/players/{ann_id}%00"),
        "/game/TEST/answers".to_string(),
        "/game/TEST".to_string(),
        "game/TEST/questions".to_string(),
    ];
    for (i, channel) in denied.iter().enumerate() {
        let reply = bob.subscribe(&format!("s{i}"), channel).await;
        assert_eq!(error_types(&reply), ["Unauthorized"], "{channel:?}");
    }

    let own = bob.client.private_channel().replace("/TEST/", "/test/");
    let reply = bob.subscribe("own", &own).await;
    assert_eq!(reply, ServerMessage::SubscribeSuccess { id: "own".into() });
}

/// A request that sends an `Authorization` header of another form is told what is wrong with
/// it, rather than that the key is missing.
#[tokio::test]
async fn malformed_authorization_header_named() {
    let host = start_host(bank(1), 2000, Automation::default()).await;
    let url = format!("http://{}/api/admin/games", host.addr);
    let http = reqwest::Client::new();
    for header in [
        format!("Token {}", host.admin_key),
        format!("Bearer\t{}", host.admin_key),
        "Bearer".to_string(),
    ] {
        let response = http
            .get(&url)
            .header("authorization", &header)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 401, "{header:?}");
        let body: serde_json::Value = response.json().await.unwrap();
        let message = body["error"].as_str().unwrap();
        assert!(
            message.contains("invalid Authorization header"),
            "{message}"
        );
    }
}
