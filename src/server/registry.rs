//! The games this process hosts, the session tokens of their players, and the open connections
//! of each session.
//!
//! Every game's actor holds the same registry, so that kicking a player and ending a game can
//! revoke tokens and close connections of that game only.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use super::hub::{Conn, ConnId, Outbound};
use crate::game::PlayerIndex;
use crate::host::actor::GameHandle;

/// What a session token grants: one player of one game.
#[derive(Debug, Clone)]
pub struct Session {
    pub code: String,
    pub player: PlayerIndex,
    pub player_id: String,
    pub name: String,
}

/// Games by code, sessions by token, and the connections open with each token.
#[derive(Default)]
pub struct Registry {
    games: RwLock<HashMap<String, GameHandle>>,
    sessions: RwLock<HashMap<String, Session>>,
    /// Tokens the host revoked, with the reason, so a client using one gets that reason.
    revoked: RwLock<HashMap<String, String>>,
    /// Open connections that completed `connection_init`, by token.
    connections: RwLock<HashMap<String, Vec<Arc<Conn>>>>,
}

impl Registry {
    /// Adds a game under its code.
    pub fn add_game(&self, game: GameHandle) {
        let mut games = self.games.write().expect("registry lock poisoned");
        games.insert(normalize_code(&game.code), game);
    }

    /// Adds a game under its code unless one with that code exists; returns whether it was
    /// added.
    pub fn try_add_game(&self, game: GameHandle) -> bool {
        let mut games = self.games.write().expect("registry lock poisoned");
        let code = normalize_code(&game.code);
        if games.contains_key(&code) {
            return false;
        }
        games.insert(code, game);
        true
    }

    /// Returns the game with `code`; codes compare case-insensitively.
    pub fn game(&self, code: &str) -> Option<GameHandle> {
        let games = self.games.read().expect("registry lock poisoned");
        games.get(&normalize_code(code)).cloned()
    }

    /// Returns every game, sorted by code.
    pub fn games(&self) -> Vec<GameHandle> {
        let games = self.games.read().expect("registry lock poisoned");
        let mut list: Vec<GameHandle> = games.values().cloned().collect();
        list.sort_by(|a, b| a.code.cmp(&b.code));
        list
    }

    /// Records a session token.
    pub fn add_session(&self, token: String, session: Session) {
        let mut sessions = self.sessions.write().expect("registry lock poisoned");
        sessions.insert(token, session);
    }

    /// Returns the session a token grants.
    pub fn session(&self, token: &str) -> Option<Session> {
        let sessions = self.sessions.read().expect("registry lock poisoned");
        sessions.get(token).cloned()
    }

    /// Returns the host's reason if `token` was revoked.
    pub fn revoked(&self, token: &str) -> Option<String> {
        let revoked = self.revoked.read().expect("registry lock poisoned");
        revoked.get(token).cloned()
    }

    /// Marks `token` as revoked with the host's `reason`, for a token that has no session.
    pub fn revoke_token(&self, token: &str, reason: &str) {
        let mut revoked = self.revoked.write().expect("registry lock poisoned");
        revoked.insert(token.to_string(), reason.to_string());
    }

    /// Records an open connection authenticated with `token`.
    pub fn attach(&self, token: &str, conn: &Arc<Conn>) {
        let mut connections = self.connections.write().expect("registry lock poisoned");
        connections
            .entry(token.to_string())
            .or_default()
            .push(conn.clone());
    }

    /// Forgets the connection `conn` of `token` once it closed.
    pub fn detach(&self, token: &str, conn: ConnId) {
        let mut connections = self.connections.write().expect("registry lock poisoned");
        if let Some(list) = connections.get_mut(token) {
            list.retain(|c| c.id != conn);
            if list.is_empty() {
                connections.remove(token);
            }
        }
    }

    /// Revokes every token of player `player_id` in game `code` and closes its connections
    /// with close code `close` and `reason`. Returns the number of connections sent a close.
    pub fn revoke_player(&self, code: &str, player_id: &str, close: u16, reason: &str) -> usize {
        let tokens: Vec<String> = {
            let mut sessions = self.sessions.write().expect("registry lock poisoned");
            let tokens: Vec<String> = sessions
                .iter()
                .filter(|(_, s)| s.code == code && s.player_id == player_id)
                .map(|(token, _)| token.clone())
                .collect();
            for token in &tokens {
                sessions.remove(token);
            }
            tokens
        };
        let mut revoked = self.revoked.write().expect("registry lock poisoned");
        for token in &tokens {
            revoked.insert(token.clone(), reason.to_string());
        }
        drop(revoked);
        self.close_tokens(&tokens, close, reason)
    }

    /// Closes every open connection of game `code` with `close` and `reason`, after what is
    /// already queued on each. Tokens stay valid. Returns the number of connections sent a
    /// close.
    pub fn close_game(&self, code: &str, close: u16, reason: &str) -> usize {
        let tokens: Vec<String> = {
            let sessions = self.sessions.read().expect("registry lock poisoned");
            sessions
                .iter()
                .filter(|(_, s)| s.code == code)
                .map(|(token, _)| token.clone())
                .collect()
        };
        self.close_tokens(&tokens, close, reason)
    }

    /// Closes every open connection of every game with `close` and `reason`, after what is
    /// already queued on each. Returns the number of connections sent a close.
    pub fn close_all(&self, close: u16, reason: &str) -> usize {
        let connections = self.connections.read().expect("registry lock poisoned");
        connections
            .values()
            .flatten()
            .filter(|conn| conn.try_send(Outbound::Close(close, reason.to_string())))
            .count()
    }

    fn close_tokens(&self, tokens: &[String], close: u16, reason: &str) -> usize {
        let connections = self.connections.read().expect("registry lock poisoned");
        let mut closed = 0;
        for conn in tokens.iter().filter_map(|t| connections.get(t)).flatten() {
            // A full queue means a reader that stopped; its connection closes as a slow
            // consumer instead, and the revoked token keeps it out.
            if conn.try_send(Outbound::Close(close, reason.to_string())) {
                closed += 1;
            }
        }
        closed
    }
}

/// Returns the canonical (upper-case) form of a game code.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}
