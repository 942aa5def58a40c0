//! Whole games over real sockets: a host on 127.0.0.1:0 and scripted players.

mod common;

use std::collections::HashMap;
use std::time::Duration;

use common::{bank, play, start_host};
use quizcast::client::events::PlayerEvent;
use quizcast::host::actor::Automation;
use quizcast::host::events::HostEvent;

const PLAYERS: usize = 20;
const QUESTIONS: usize = 4;
const POINTS: f64 = 1000.0;
const LIMIT_MS: f64 = 5000.0;

/// Kahoot's points for a correct answer after `elapsed_ms`, written out here independently of
/// the crate's scoring module.
fn expected_points(elapsed_ms: u64, streak: u32) -> u64 {
    let base = if elapsed_ms <= 500 {
        POINTS
    } else {
        ((1.0 - (elapsed_ms as f64 / LIMIT_MS) / 2.0) * POINTS).round()
    };
    let bonus = if streak >= 2 {
        (100 * (streak as u64 - 1)).min(500)
    } else {
        0
    };
    base as u64 + bonus
}

/// Player `p` answers question `q`: correct (option 1) unless `(p + q) % 3 == 0`.
fn choice(p: usize, q: usize) -> usize {
    if (p + q).is_multiple_of(3) { 0 } else { 1 }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn twenty_players_scores_match_formula() {
    let automation = Automation {
        auto_start: Some(PLAYERS),
        auto_advance: Some(Duration::ZERO),
    };
    let mut host = start_host(bank(QUESTIONS), 2000, automation).await;

    let host_ref = &host;
    let runs = futures_util::future::join_all(
        (0..PLAYERS).map(|p| play(host_ref, format!("player{p}"), move |q| Some(choice(p, q)))),
    )
    .await;

    // Every player's score equals the formula applied to the response times the server
    // measured, with the streak bonus.
    let mut expected_scores = HashMap::new();
    for (p, run) in runs.iter().enumerate() {
        let summary = run.result.as_ref().expect("session finished");
        let mut streak = 0;
        let mut score = 0;
        let mut answered = 0;
        for event in &run.events {
            if let PlayerEvent::Answered {
                index,
                option,
                elapsed_ms,
            } = event
            {
                answered += 1;
                assert_eq!(*option, choice(p, *index));
                if *option == 1 {
                    streak += 1;
                    score += expected_points(*elapsed_ms, streak);
                } else {
                    streak = 0;
                }
            }
        }
        assert_eq!(answered, QUESTIONS, "player{p} answered every question");
        assert_eq!(summary.score, score, "player{p} final score");
        assert_eq!(summary.lost, 0, "player{p} lost no messages");
        let results = run
            .events
            .iter()
            .filter(|e| matches!(e, PlayerEvent::Result { .. }))
            .count();
        assert_eq!(results, QUESTIONS, "player{p} got every private result");
        expected_scores.insert(format!("player{p}"), score);
    }

    // The host's final results agree with every player, and ranks are ordered.
    let mut results = None;
    while let Some(event) = host.events.recv().await {
        if let HostEvent::GameOver { results: r } = event {
            results = Some(r);
            break;
        }
    }
    let results = results.expect("host reported game over");
    assert_eq!(results.len(), PLAYERS);
    for standing in &results {
        assert_eq!(
            standing.score, expected_scores[&standing.name],
            "{}",
            standing.name
        );
    }
    for pair in results.windows(2) {
        assert!(pair[0].score >= pair[1].score);
        assert!(pair[0].rank <= pair[1].rank);
    }
    for (p, run) in runs.iter().enumerate() {
        let summary = run.result.as_ref().unwrap();
        let standing = results
            .iter()
            .find(|s| s.name == format!("player{p}"))
            .unwrap();
        assert_eq!(summary.rank, standing.rank, "player{p} rank");
    }
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn low_join_rate_retries_until_all_join() {
    const JOINERS: usize = 12;
    let automation = Automation {
        auto_start: Some(JOINERS),
        auto_advance: Some(Duration::ZERO),
    };
    let host = start_host(bank(1), 5, automation).await;
    let host_ref = &host;
    let runs = futures_util::future::join_all(
        (0..JOINERS).map(|p| play(host_ref, format!("slow{p}"), |_| Some(1))),
    )
    .await;

    let mut retries_429 = 0;
    for run in &runs {
        assert!(run.result.is_ok(), "{:?}", run.result);
        retries_429 += run
            .events
            .iter()
            .filter(|e| matches!(e, PlayerEvent::Retrying { status: 429, .. }))
            .count();
    }
    assert!(
        retries_429 > 0,
        "a rate of 5/s must turn some of 12 joins away"
    );
    host.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn host_ending_game_stops_players() {
    use quizcast::client::ClientError;
    use quizcast::client::join::{JoinTarget, RetryPolicy};
    use quizcast::client::session::{self, SessionConfig};

    let host = start_host(bank(1), 2000, Automation::default()).await;
    let config = SessionConfig {
        target: JoinTarget::parse(&host.join_url).unwrap(),
        name: "Ann".into(),
        player_id: quizcast::client::new_player_id(),
        retry: RetryPolicy::default(),
        probe: None,
    };
    let (events_tx, mut events_rx) = tokio::sync::mpsc::unbounded_channel();
    let (_commands_tx, commands_rx) = tokio::sync::mpsc::unbounded_channel();
    let session = tokio::spawn(session::run(config, events_tx, commands_rx));
    while let Some(event) = events_rx.recv().await {
        if matches!(event, PlayerEvent::Joined { .. }) {
            break;
        }
    }

    // The player stops at once instead of reconnecting to a game that is gone.
    host.end_sessions(Duration::from_secs(2)).await;
    let result = session.await.unwrap();
    assert!(matches!(result, Err(ClientError::HostEnded)), "{result:?}");
    host.stop().await;
}
