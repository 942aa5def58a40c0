//! Reading a game back for `--resume`.

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};

use super::{StoreError, schema};
use crate::bank::Bank;

/// Where a saved game stood.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SavedPhase {
    Lobby,
    /// Question `index` was open when the host stopped.
    Open {
        index: usize,
    },
    /// Question `index` had closed.
    Closed {
        index: usize,
    },
}

/// A player as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SavedPlayer {
    pub player_id: String,
    pub name: String,
    pub token: String,
    pub score: u64,
    pub streak: u32,
    pub correct: u32,
    /// The host's reason, if the player was kicked.
    pub kicked: Option<String>,
}

/// A game read back from the database.
#[derive(Debug, Clone)]
pub struct SavedGame {
    pub code: String,
    pub bank: Bank,
    pub phase: SavedPhase,
    /// Players in join order.
    pub players: Vec<SavedPlayer>,
    /// Answers per option of the current (or last) question, from the stored answers.
    pub counts: Vec<usize>,
    /// Ids of the players who answered the current (or last) question.
    pub answered: Vec<String>,
}

/// Reads game `code`, or the most recently updated unfinished game when `code` is `None`.
pub fn load(path: &Path, code: Option<&str>) -> Result<SavedGame, StoreError> {
    let file = path.display().to_string();
    let fail = |e| StoreError::from_sqlite(path, e);
    if !path.exists() {
        return Err(StoreError::Other {
            file,
            message: "file not found; pass the --db the game was hosted with".into(),
        });
    }
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(fail)?;

    let row = match code {
        Some(code) => connection
            .query_row(
                "SELECT code, bank, state, question FROM games WHERE code = ?1",
                [code.to_ascii_uppercase()],
                game_row,
            )
            .optional()
            .map_err(fail)?
            .ok_or_else(|| StoreError::NoSuchGame {
                file: file.clone(),
                code: code.to_string(),
                unfinished: unfinished_codes(&connection),
            })?,
        None => connection
            .query_row(
                "SELECT code, bank, state, question FROM games WHERE state != 'over'
                 ORDER BY updated_at_ms DESC LIMIT 1",
                [],
                game_row,
            )
            .optional()
            .map_err(fail)?
            .ok_or_else(|| StoreError::NothingToResume { file: file.clone() })?,
    };
    let (code, bank_json, state, question) = row;
    let bank: Bank = serde_json::from_str(&bank_json).map_err(|e| StoreError::Other {
        file: file.clone(),
        message: format!("the stored question bank of game {code} is unreadable: {e}"),
    })?;
    let index = question.map(|q| q as usize);
    let phase = match (state.as_str(), index) {
        ("lobby", _) => SavedPhase::Lobby,
        ("open", Some(index)) => SavedPhase::Open { index },
        ("closed", Some(index)) => SavedPhase::Closed { index },
        ("over", _) => return Err(StoreError::Finished { file, code }),
        _ => {
            return Err(StoreError::Corrupt { file });
        }
    };
    if index.is_some_and(|i| i >= bank.questions.len()) {
        return Err(StoreError::Corrupt { file });
    }

    let players = read_players(&connection, &code).map_err(fail)?;
    let (counts, answered) = match index {
        Some(index) => {
            let options = bank.questions[index].options.len();
            read_answers(&connection, &code, index, options).map_err(fail)?
        }
        None => (Vec::new(), Vec::new()),
    };
    Ok(SavedGame {
        code,
        bank,
        phase,
        players,
        counts,
        answered,
    })
}

type GameRow = (String, String, String, Option<i64>);

/// Returns the codes of the unfinished games, most recent first, for an error message.
fn unfinished_codes(connection: &Connection) -> String {
    let codes: Vec<String> = connection
        .prepare(
            "SELECT code FROM games WHERE state != 'over' ORDER BY updated_at_ms DESC LIMIT 10",
        )
        .and_then(|mut statement| {
            statement
                .query_map([], |row| row.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>()
        })
        .unwrap_or_default();
    if codes.is_empty() {
        "none".to_string()
    } else {
        codes.join(", ")
    }
}

fn game_row(row: &rusqlite::Row) -> rusqlite::Result<GameRow> {
    Ok((row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?))
}

fn read_players(connection: &Connection, code: &str) -> rusqlite::Result<Vec<SavedPlayer>> {
    let mut statement = connection.prepare(
        "SELECT player_id, name, token, score, streak, correct FROM players
         WHERE code = ?1 ORDER BY position",
    )?;
    let rows = statement.query_map([code], |row| {
        Ok(SavedPlayer {
            player_id: row.get(0)?,
            name: row.get(1)?,
            token: row.get(2)?,
            score: row.get::<_, i64>(3)? as u64,
            streak: row.get(4)?,
            correct: row.get(5)?,
            kicked: None,
        })
    })?;
    let mut players: Vec<SavedPlayer> = rows.collect::<rusqlite::Result<_>>()?;

    let mut statement =
        connection.prepare("SELECT player_id, reason FROM kicks WHERE code = ?1")?;
    let kicks = statement.query_map([code], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, String>(1)?))
    })?;
    for kick in kicks {
        let (player_id, reason) = kick?;
        if let Some(player) = players.iter_mut().find(|p| p.player_id == player_id) {
            player.kicked = Some(reason);
        }
    }
    Ok(players)
}

fn read_answers(
    connection: &Connection,
    code: &str,
    index: usize,
    options: usize,
) -> rusqlite::Result<(Vec<usize>, Vec<String>)> {
    let mut statement = connection
        .prepare("SELECT player_id, option FROM answers WHERE code = ?1 AND question = ?2")?;
    let mut counts = vec![0; options];
    let mut answered = Vec::new();
    let rows = statement.query_map(params![code, index as i64], |row| {
        Ok((row.get::<_, String>(0)?, row.get::<_, i64>(1)?))
    })?;
    for row in rows {
        let (player_id, option) = row?;
        if let Some(count) = counts.get_mut(option as usize) {
            *count += 1;
        }
        answered.push(player_id);
    }
    Ok((counts, answered))
}

/// Fails when `code` already names a game in the database at `path`.
pub fn check_new_code(path: &Path, code: &str) -> Result<(), StoreError> {
    if !path.exists() {
        return Ok(());
    }
    let fail = |e| StoreError::from_sqlite(path, e);
    let connection =
        Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(fail)?;
    // A database from before the first game has no tables yet.
    match schema::game_exists(&connection, code) {
        Ok(true) => Err(StoreError::CodeTaken {
            file: path.display().to_string(),
            code: code.to_string(),
        }),
        Ok(false) => Ok(()),
        Err(rusqlite::Error::SqliteFailure(_, Some(message)))
            if message.contains("no such table") =>
        {
            Ok(())
        }
        Err(e) => Err(fail(e)),
    }
}
