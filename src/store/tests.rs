use std::sync::mpsc as std_mpsc;

use rusqlite::Connection;

use super::*;
use crate::bank::Bank;

fn game_record(code: &str) -> Record {
    let bank = Bank::bundled();
    Record::Game {
        code: code.into(),
        title: bank.title.clone(),
        bank_json: serde_json::to_string(&bank).unwrap(),
    }
}

fn player_record(code: &str, id: &str, position: usize) -> Record {
    Record::Player {
        code: code.into(),
        player_id: id.into(),
        name: format!("name-{id}"),
        token: format!("token-{id}"),
        position,
    }
}

fn answer_record(code: &str, index: usize, id: &str, option: usize, score: u64) -> Record {
    Record::Answer {
        received_at_ms: 1_796_400_000_000,
        code: code.into(),
        index,
        player_id: id.into(),
        option,
        elapsed_ms: 1200,
        correct: option == 1,
        points: score,
        totals: Totals {
            score,
            streak: 1,
            correct: 1,
        },
    }
}

/// Writes `records` and waits until they are committed.
fn write_all(store: &Store, records: Vec<Record>) {
    let (done_tx, done_rx) = std_mpsc::channel();
    let count = records.len();
    for record in records {
        let done = done_tx.clone();
        store.write(Some(record), Some(Box::new(move || done.send(()).unwrap())));
    }
    for _ in 0..count {
        done_rx.recv().unwrap();
    }
}

#[test]
fn answer_committed_before_callback() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let store = Store::open(&path, |_| {}).unwrap();
    write_all(
        &store,
        vec![game_record("ABCD"), player_record("ABCD", "p1", 0)],
    );

    // The callback opens its own connection: the row must already be visible there.
    let (seen_tx, seen_rx) = std_mpsc::channel();
    let reader_path = path.clone();
    store.write(
        Some(answer_record("ABCD", 0, "p1", 1, 900)),
        Some(Box::new(move || {
            let reader = Connection::open(&reader_path).unwrap();
            let stored: i64 = reader
                .query_row(
                    "SELECT count(*) FROM answers WHERE player_id = 'p1'",
                    [],
                    |r| r.get(0),
                )
                .unwrap();
            seen_tx.send(stored).unwrap();
        })),
    );
    assert_eq!(seen_rx.recv().unwrap(), 1);
}

#[test]
fn callbacks_run_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("q.db"), |_| {}).unwrap();
    let (order_tx, order_rx) = std_mpsc::channel();
    for i in 0..1000 {
        let order = order_tx.clone();
        let record = (i % 10 == 0).then(|| game_record(&format!("G{i}")));
        store.write(record, Some(Box::new(move || order.send(i).unwrap())));
    }
    let order: Vec<i32> = (0..1000).map(|_| order_rx.recv().unwrap()).collect();
    assert_eq!(order, (0..1000).collect::<Vec<_>>());
}

#[test]
fn load_open_game_round_trip() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let store = Store::open(&path, |_| {}).unwrap();
    write_all(
        &store,
        vec![
            game_record("ABCD"),
            player_record("ABCD", "p1", 0),
            player_record("ABCD", "p2", 1),
            Record::Opened {
                code: "ABCD".into(),
                index: 0,
            },
            answer_record("ABCD", 0, "p2", 1, 950),
        ],
    );

    let saved = load(&path, None).unwrap();
    assert_eq!(saved.code, "ABCD");
    assert_eq!(saved.phase, SavedPhase::Open { index: 0 });
    assert_eq!(saved.bank, Bank::bundled());
    let ids: Vec<&str> = saved.players.iter().map(|p| p.player_id.as_str()).collect();
    assert_eq!(ids, ["p1", "p2"]);
    assert_eq!(saved.players[1].score, 950);
    assert_eq!(saved.players[1].token, "token-p2");
    assert_eq!(saved.counts, vec![0, 1, 0, 0]);
    assert_eq!(saved.answered, vec!["p2".to_string()]);
}

#[test]
fn finished_game_not_resumed() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let store = Store::open(&path, |_| {}).unwrap();
    write_all(
        &store,
        vec![
            game_record("DONE"),
            Record::Finished {
                code: "DONE".into(),
                results: vec![],
            },
        ],
    );
    assert!(matches!(
        load(&path, Some("done")),
        Err(StoreError::Finished { .. })
    ));
    assert!(matches!(
        load(&path, None),
        Err(StoreError::NothingToResume { .. })
    ));
    assert!(matches!(
        load(&path, Some("NOPE")),
        Err(StoreError::NoSuchGame { .. })
    ));
    assert!(matches!(
        check_new_code(&path, "DONE"),
        Err(StoreError::CodeTaken { .. })
    ));
    assert!(check_new_code(&path, "FRESH").is_ok());
}

#[test]
fn corrupt_file_named_in_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    std::fs::write(&path, vec![0x42; 8192]).unwrap();
    let error = Store::open(&path, |_| {})
        .err()
        .expect("a corrupt file is rejected");
    assert!(matches!(error, StoreError::Corrupt { .. }), "{error}");
    assert!(error.to_string().contains("q.db"), "{error}");
}

#[test]
fn locked_database_named_in_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    drop(Store::open(&path, |_| {}).unwrap());
    let holder = Connection::open(&path).unwrap();
    holder.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let error = Store::open(&path, |_| {})
        .err()
        .expect("a locked file is rejected");
    assert!(matches!(error, StoreError::Locked { .. }), "{error}");
    assert!(error.to_string().contains("--db"), "{error}");
}

#[test]
fn failed_commit_reported_and_game_goes_on() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("q.db");
    let (errors_tx, errors_rx) = std_mpsc::channel();
    let store = Store::open(&path, move |message| errors_tx.send(message).unwrap()).unwrap();
    // A second game row with the same code violates the primary key: the batch fails.
    write_all(&store, vec![game_record("SAME")]);
    let (done_tx, done_rx) = std_mpsc::channel();
    store.write(
        Some(game_record("SAME")),
        Some(Box::new(move || done_tx.send(()).unwrap())),
    );
    done_rx.recv().expect("the callback still runs");
    let message = errors_rx.recv().unwrap();
    assert!(message.starts_with("NOT SAVED"), "{message}");
    assert!(message.contains("q.db"), "{message}");
}

#[test]
fn disabled_store_runs_callbacks_at_once() {
    let store = Store::disabled();
    let (tx, rx) = std_mpsc::channel();
    store.write(
        Some(game_record("X")),
        Some(Box::new(move || tx.send(()).unwrap())),
    );
    assert!(rx.try_recv().is_ok());
}
