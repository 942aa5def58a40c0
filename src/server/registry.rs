//! The games this process hosts and the session tokens of their players.

use std::collections::HashMap;
use std::sync::RwLock;

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

/// Games by code and sessions by token.
#[derive(Default)]
pub struct Registry {
    games: RwLock<HashMap<String, GameHandle>>,
    sessions: RwLock<HashMap<String, Session>>,
}

impl Registry {
    /// Adds a game under its code.
    pub fn add_game(&self, game: GameHandle) {
        let mut games = self.games.write().expect("registry lock poisoned");
        games.insert(normalize_code(&game.code), game);
    }

    /// Returns the game with `code`; codes compare case-insensitively.
    pub fn game(&self, code: &str) -> Option<GameHandle> {
        let games = self.games.read().expect("registry lock poisoned");
        games.get(&normalize_code(code)).cloned()
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
}

/// Returns the canonical (upper-case) form of a game code.
pub fn normalize_code(code: &str) -> String {
    code.trim().to_ascii_uppercase()
}
