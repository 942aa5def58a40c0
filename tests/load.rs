//! Load correctness: a swarm of hundreds of players against a low join rate, and a player that
//! never reads, each against a real host on 127.0.0.1:0.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::{RawClient, bank, play, start_host};
use quizcast::client::answers::AnswerSpec;
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::host::actor::Automation;
use quizcast::host::events::HostEvent;
use quizcast::protocol::{CLOSE_TOO_SLOW, ServerMessage};
use quizcast::swarm::{self, SwarmOptions};

const SWARM_PLAYERS: usize = 500;
const SWARM_QUESTIONS: usize = 3;

/// Raises the open-files limit, because this test process holds both ends of every connection.
fn raise_open_files_limit() {
    let limit = rlimit::increase_nofile_limit(u64::MAX).expect("raise the open files limit");
    assert!(
        limit >= 2 * SWARM_PLAYERS as u64 + 100,
        "open files limit {limit} is too low for {SWARM_PLAYERS} players; raise it with ulimit -n"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn swarm_low_join_rate_loses_nothing() {
    raise_open_files_limit();
    let automation = Automation {
        auto_start: Some(SWARM_PLAYERS),
        auto_advance: Some(Duration::ZERO),
    };
    // 250 joins a second: the 500 players arrive at once and most are turned away at first.
    let mut host = start_host(bank(SWARM_QUESTIONS), 250, automation).await;
    let options = SwarmOptions {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        players: SWARM_PLAYERS,
        ramp: Duration::ZERO,
        answers: AnswerSpec::Random,
        answer_within: Duration::ZERO,
        retry: RetryPolicy {
            give_up_after: Duration::from_secs(60),
            ..RetryPolicy::default()
        },
        name_prefix: "bot".into(),
    };
    let report = swarm::run(options, |_, _, _| {}).await.unwrap();

    assert_eq!(report.errors.len(), 0, "{:?}", report.errors);
    assert_eq!(report.joined, SWARM_PLAYERS);
    assert_eq!(report.gave_up, 0);
    assert_eq!(report.finished, SWARM_PLAYERS);
    assert!(
        report.http_429 > 0,
        "a join rate of 250/s must turn some away"
    );
    let expected = SWARM_PLAYERS * SWARM_QUESTIONS;
    assert_eq!(
        report.delivery_ms.count, expected,
        "every bot saw every question"
    );
    assert_eq!(
        report.ack_ms.count, expected,
        "every answer was acknowledged"
    );
    assert_eq!(
        report.result_ms.count, expected,
        "every bot got every result"
    );
    assert_eq!(report.lost, 0);
    assert_eq!(report.out_of_order, 0);

    let mut results = None;
    while let Some(event) = host.events.recv().await {
        if let HostEvent::GameOver { results: r } = event {
            results = Some(r);
            break;
        }
    }
    let results = results.expect("the host reported game over");
    assert_eq!(results.len(), SWARM_PLAYERS);
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reader_that_stops_is_dropped() {
    const PLAYERS: usize = 3;
    const QUESTIONS: usize = 3;
    // The game starts once the stalled player and the readers are all connected.
    let automation = Automation {
        auto_start: Some(PLAYERS + 1),
        auto_advance: Some(Duration::ZERO),
    };
    // Questions last the longest time allowed, so a game that finishes at all has closed each
    // question early, without waiting for the dropped player's answer.
    let mut questions = bank(QUESTIONS);
    for question in &mut questions.questions {
        question.time_limit_secs = 240;
    }
    let host = Arc::new(start_host(questions, 2000, automation).await);

    // The stalled player subscribes to its private channel and then never reads again.
    let mut stalled = RawClient::connect(&host, "stalled").await;
    let private = stalled.private_channel();
    match stalled.subscribe("me", &private).await {
        ServerMessage::SubscribeSuccess { .. } => {}
        other => panic!("expected subscribe_success, got {other:?}"),
    }

    // The readers answer every question at once. The first question cannot close early while
    // the stalled player is connected without answering.
    let started = Instant::now();
    let readers = {
        let host = host.clone();
        tokio::spawn(async move {
            let host_ref = &*host;
            futures_util::future::join_all(
                (0..PLAYERS).map(|p| play(host_ref, format!("reader{p}"), |_| Some(1))),
            )
            .await
        })
    };

    // Wait until the game has started with everyone connected, so the drop happens mid-game.
    let mut status = host.state.registry.game(&host.code).unwrap().status;
    status
        .wait_for(|s| s.state == "question")
        .await
        .expect("the game actor is running");

    // Flood the stalled player's channel until its socket buffers and outbound queue are full
    // and the hub drops it. Yielding lets its writer fill the socket first, as a real stall
    // would.
    let hub = host.state.hub.clone();
    let noise = format!(r#"{{"kind":"noise","text":"{}"}}"#, "x".repeat(8 * 1024));
    let mut published = 0;
    while hub.slow_consumers.load(Ordering::Relaxed) == 0 {
        hub.publish(&private, &noise);
        published += 1;
        assert!(
            published < 1_000_000,
            "the stalled reader was never dropped"
        );
        tokio::task::yield_now().await;
    }

    // Once it is dropped the game stops waiting for it: every question closes when the readers
    // have answered, long before its 240 s timer.
    let runs = readers.await.unwrap();
    let took = started.elapsed();
    for run in &runs {
        assert!(run.result.is_ok(), "{:?}", run.result);
    }
    assert!(
        took < Duration::from_secs(120),
        "the game took {took:?}; a question waited for the dropped player"
    );

    // The stalled player finds a close frame with the reason after the data it never read.
    let (code, reason) = stalled.read_close().await;
    assert_eq!(code, CLOSE_TOO_SLOW, "{reason}");
    assert!(reason.contains("too slow"), "{reason}");
}
