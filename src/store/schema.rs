//! The database schema and the writes of each record.

use std::path::Path;

use rusqlite::{Connection, OptionalExtension, params};

use super::{Record, StoreError, now_ms};

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS games (
    code TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    bank TEXT NOT NULL,
    state TEXT NOT NULL,          -- lobby, open, closed, over
    question INTEGER,             -- current or last question index
    created_at_ms INTEGER NOT NULL,
    updated_at_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS players (
    code TEXT NOT NULL,
    player_id TEXT NOT NULL,
    position INTEGER NOT NULL,    -- join order
    name TEXT NOT NULL,
    token TEXT NOT NULL,
    score INTEGER NOT NULL DEFAULT 0,
    streak INTEGER NOT NULL DEFAULT 0,
    correct INTEGER NOT NULL DEFAULT 0,
    joined_at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, player_id)
);
CREATE TABLE IF NOT EXISTS answers (
    code TEXT NOT NULL,
    question INTEGER NOT NULL,
    player_id TEXT NOT NULL,
    option INTEGER NOT NULL,      -- 0-based
    elapsed_ms INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    points INTEGER NOT NULL,
    received_at_ms INTEGER NOT NULL, -- server wall-clock time of receipt
    stored_at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, question, player_id)
);
CREATE TABLE IF NOT EXISTS kicks (
    code TEXT NOT NULL,
    player_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    kicked_at_ms INTEGER NOT NULL,
    PRIMARY KEY (code, player_id)
);
CREATE TABLE IF NOT EXISTS results (
    code TEXT NOT NULL,
    player_id TEXT NOT NULL,
    rank INTEGER NOT NULL,
    name TEXT NOT NULL,
    score INTEGER NOT NULL,
    correct INTEGER NOT NULL,
    PRIMARY KEY (code, player_id)
);
";

/// Opens the database, sets it up for one writer with group commits, and checks that it can
/// be written.
pub(super) fn open(path: &Path) -> Result<Connection, StoreError> {
    let fail = |e| StoreError::from_sqlite(path, e);
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Other {
            file: path.display().to_string(),
            message: format!("cannot create directory {}: {e}", dir.display()),
        })?;
    }
    let connection = Connection::open(path).map_err(fail)?;
    // WAL lets readers (sqlite3, a resume check) work beside the writer; FULL syncs each commit,
    // so an acknowledged answer survives a power loss too. Group commits keep that affordable.
    connection
        .pragma_update(None, "journal_mode", "WAL")
        .map_err(fail)?;
    connection
        .pragma_update(None, "synchronous", "FULL")
        .map_err(fail)?;
    connection
        .busy_timeout(std::time::Duration::from_secs(2))
        .map_err(fail)?;
    connection.execute_batch(SCHEMA).map_err(fail)?;

    // Fail now, not mid-game, if another process holds the write lock or the file is
    // read-only.
    connection
        .execute_batch("BEGIN IMMEDIATE; COMMIT;")
        .map_err(fail)?;
    Ok(connection)
}

/// Applies `records` in one transaction.
pub(super) fn apply<'a>(
    connection: &mut Connection,
    records: impl Iterator<Item = &'a Record>,
) -> rusqlite::Result<()> {
    let tx = connection.transaction()?;
    let now = now_ms();
    for record in records {
        apply_one(&tx, record, now)?;
    }
    tx.commit()
}

fn apply_one(tx: &rusqlite::Transaction, record: &Record, now: i64) -> rusqlite::Result<()> {
    match record {
        Record::Game {
            code,
            title,
            bank_json,
        } => {
            tx.execute(
                "INSERT INTO games (code, title, bank, state, created_at_ms, updated_at_ms)
                 VALUES (?1, ?2, ?3, 'lobby', ?4, ?4)",
                params![code, title, bank_json, now],
            )?;
        }
        Record::Player {
            code,
            player_id,
            name,
            token,
            position,
        } => {
            tx.prepare_cached(
                "INSERT INTO players (code, player_id, position, name, token, joined_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![code, player_id, *position as i64, name, token, now])?;
        }
        Record::Opened { code, index } => set_state(tx, code, "open", *index, now)?,
        Record::Kicked {
            code,
            player_id,
            reason,
        } => {
            tx.execute(
                "INSERT OR REPLACE INTO kicks (code, player_id, reason, kicked_at_ms)
                 VALUES (?1, ?2, ?3, ?4)",
                params![code, player_id, reason, now],
            )?;
        }
        Record::Answer {
            received_at_ms,
            code,
            index,
            player_id,
            option,
            elapsed_ms,
            correct,
            points,
            totals,
        } => {
            tx.prepare_cached(
                "INSERT INTO answers
                 (code, question, player_id, option, elapsed_ms, correct, points,
                  received_at_ms, stored_at_ms)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?
            .execute(params![
                code,
                *index as i64,
                player_id,
                *option as i64,
                *elapsed_ms as i64,
                correct,
                *points as i64,
                *received_at_ms as i64,
                now
            ])?;
            tx.prepare_cached(
                "UPDATE players SET score = ?3, streak = ?4, correct = ?5
                 WHERE code = ?1 AND player_id = ?2",
            )?
            .execute(params![
                code,
                player_id,
                totals.score as i64,
                totals.streak,
                totals.correct
            ])?;
        }
        Record::Closed {
            code,
            index,
            streaks,
        } => {
            set_state(tx, code, "closed", *index, now)?;
            let mut update = tx.prepare_cached(
                "UPDATE players SET streak = ?3 WHERE code = ?1 AND player_id = ?2",
            )?;
            for (player_id, streak) in streaks {
                update.execute(params![code, player_id, streak])?;
            }
        }
        Record::Finished { code, results } => {
            tx.execute(
                "UPDATE games SET state = 'over', updated_at_ms = ?2 WHERE code = ?1",
                params![code, now],
            )?;
            let mut insert = tx.prepare_cached(
                "INSERT OR REPLACE INTO results (code, player_id, rank, name, score, correct)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?;
            for (player_id, rank, name, score, correct) in results {
                insert.execute(params![code, player_id, rank, name, *score as i64, correct])?;
            }
        }
    }
    Ok(())
}

fn set_state(
    tx: &rusqlite::Transaction,
    code: &str,
    state: &str,
    index: usize,
    now: i64,
) -> rusqlite::Result<()> {
    tx.execute(
        "UPDATE games SET state = ?2, question = ?3, updated_at_ms = ?4 WHERE code = ?1",
        params![code, state, index as i64, now],
    )?;
    Ok(())
}

/// Reports whether a game with `code` exists in the database.
pub(super) fn game_exists(connection: &Connection, code: &str) -> rusqlite::Result<bool> {
    connection
        .query_row("SELECT 1 FROM games WHERE code = ?1", [code], |_| Ok(()))
        .optional()
        .map(|found| found.is_some())
}
