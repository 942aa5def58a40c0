//! How fast the SQLite store takes a flood of answers: 10,000 answers queued at once, as when
//! every player answers within the same second, each acknowledged only after its commit.
//!
//! Run with `cargo bench --bench store_answers`. Prints, per run, the time from the first
//! answer queued to the last acknowledgement, the answers per second, and the p50/p99/max time
//! from queueing an answer to its acknowledgement; then the medians over the runs.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use quizcast::bank::Bank;
use quizcast::store::{Record, Store, Totals};

const PLAYERS: usize = 10_000;
const RUNS: usize = 5;

fn main() {
    let mut totals = Vec::new();
    let mut p99s = Vec::new();
    for run in 1..=RUNS {
        let (total, latencies) = one_run();
        let rate = PLAYERS as f64 / total.as_secs_f64();
        let p = |q: f64| latencies[((q * latencies.len() as f64).ceil() as usize).max(1) - 1];
        println!(
            "run {run}: {PLAYERS} answers in {:.1} ms ({rate:.0}/s); ack latency p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
            ms(total),
            ms(p(0.50)),
            ms(p(0.99)),
            ms(*latencies.last().unwrap())
        );
        totals.push(total);
        p99s.push(p(0.99));
    }
    totals.sort();
    p99s.sort();
    let median_total = totals[RUNS / 2];
    println!(
        "median over {RUNS} runs: {:.1} ms for {PLAYERS} answers ({:.0}/s), ack p99 {:.1} ms",
        ms(median_total),
        PLAYERS as f64 / median_total.as_secs_f64(),
        ms(p99s[RUNS / 2])
    );
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// Returns the time to acknowledge every answer and each answer's latency, sorted.
fn one_run() -> (Duration, Vec<Duration>) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let store = Store::open(&dir.path().join("bench.db"), |message| {
        eprintln!("{message}")
    })
    .expect("open the database");
    let bank = Bank::bundled();
    let code = "BENCH".to_string();
    let (done_tx, done_rx) = mpsc::channel();
    store.write(
        Some(Record::Game {
            code: code.clone(),
            title: bank.title.clone(),
            bank_json: serde_json::to_string(&bank).unwrap(),
        }),
        None,
    );
    for position in 0..PLAYERS {
        let done = done_tx.clone();
        let record = Record::Player {
            code: code.clone(),
            player_id: format!("p{position}"),
            name: format!("player{position}"),
            token: format!("{position:032x}"),
            position,
        };
        store.write(Some(record), Some(Box::new(move || done.send(()).unwrap())));
    }
    for _ in 0..PLAYERS {
        done_rx.recv().unwrap();
    }

    let (ack_tx, ack_rx) = mpsc::channel();
    let started = Instant::now();
    for i in 0..PLAYERS {
        let ack = ack_tx.clone();
        let queued = Instant::now();
        let record = Record::Answer {
            received_at_ms: 1_796_400_000_000 + i as u64,
            code: code.clone(),
            index: 0,
            player_id: format!("p{i}"),
            option: i % 4,
            elapsed_ms: 1000 + i as u64 % 9000,
            correct: i % 4 == 1,
            points: 900,
            totals: Totals {
                score: 900,
                streak: 1,
                correct: 1,
            },
        };
        store.write(
            Some(record),
            Some(Box::new(move || ack.send(queued.elapsed()).unwrap())),
        );
    }
    let mut latencies: Vec<Duration> = (0..PLAYERS).map(|_| ack_rx.recv().unwrap()).collect();
    let total = started.elapsed();
    latencies.sort();
    (total, latencies)
}
