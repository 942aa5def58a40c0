//! Session memory: the player id and session token of each game this user joined, so that
//! running `quizcast play` again on the same join URL comes back as the same player.
//!
//! The file is a JSON object from a key (the join URL's base and game code) to a
//! [`SavedSession`]. Writes go through a temporary file and a rename, so a crash never leaves
//! a half-written file. A missing, unreadable or invalid file is logged and treated as empty:
//! losing the memory costs a fresh join, never the game.

use std::collections::BTreeMap;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::join::JoinTarget;
use crate::server::http::JoinResponse;

/// File name of the session memory in the user's data directory.
const FILE_NAME: &str = "sessions.json";

/// The remembered session of one joined game.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedSession {
    pub player_id: String,
    /// Secret session token for `connection_init`.
    pub token: String,
    pub name: String,
    /// The WebSocket URL from the join response. Derived from the join URL when missing.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ws_url: Option<String>,
    /// The canonical game code from the join response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
}

impl SavedSession {
    /// Builds the entry for a successful join.
    pub fn from_join(joined: &JoinResponse) -> SavedSession {
        SavedSession {
            player_id: joined.player_id.clone(),
            token: joined.token.clone(),
            name: joined.name.clone(),
            ws_url: Some(joined.ws_url.clone()),
            code: Some(joined.code.clone()),
            title: Some(joined.title.clone()),
        }
    }

    /// Returns whether this entry may be resumed by a player named `name`. Two players on one
    /// machine may join the same game under different names, and neither may take over the
    /// other's session.
    pub fn matches_name(&self, name: &str) -> bool {
        crate::nickname::key(self.name.trim()) == crate::nickname::key(name.trim())
    }

    /// Returns the join response this entry is for, filling fields an older or hand-written
    /// entry lacks from `target`.
    pub fn to_join(&self, target: &JoinTarget) -> JoinResponse {
        let ws_url = self.ws_url.clone().unwrap_or_else(|| {
            let base = &target.base;
            let ws_base = match base.strip_prefix("https://") {
                Some(rest) => format!("wss://{rest}"),
                None => base.replacen("http://", "ws://", 1),
            };
            format!("{ws_base}/ws")
        });
        JoinResponse {
            player_id: self.player_id.clone(),
            name: self.name.clone(),
            code: self
                .code
                .clone()
                .unwrap_or_else(|| target.code.to_ascii_uppercase()),
            title: self.title.clone().unwrap_or_default(),
            token: self.token.clone(),
            ws_url,
        }
    }
}

/// The session memory file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StateFile {
    path: PathBuf,
}

impl StateFile {
    /// Uses the file at `path`.
    pub fn new(path: impl Into<PathBuf>) -> StateFile {
        StateFile { path: path.into() }
    }

    /// Returns `sessions.json` in the user's local data directory, or `None` when the platform
    /// has none (for example when `HOME` is not set).
    pub fn default_path() -> Option<PathBuf> {
        directories::ProjectDirs::from("", "", "quizcast")
            .map(|dirs| dirs.data_local_dir().join(FILE_NAME))
    }

    /// Returns the file's path.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Returns the key of a game: the base URL and the upper-case game code, such as
    /// `http://192.168.1.20:7878/join/K7Q2`.
    pub fn key(target: &JoinTarget) -> String {
        format!("{}/join/{}", target.base, target.code.to_ascii_uppercase())
    }

    /// Returns every remembered session. A missing file is empty; an unreadable or invalid one
    /// is logged and treated as empty.
    pub fn load(&self) -> BTreeMap<String, SavedSession> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(text) => text,
            Err(e) if e.kind() == ErrorKind::NotFound => return BTreeMap::new(),
            Err(e) => {
                tracing::warn!(file = %self.path.display(), error = %e, "cannot read the session memory; ignoring it");
                return BTreeMap::new();
            }
        };
        match serde_json::from_str(&text) {
            Ok(sessions) => sessions,
            Err(e) => {
                tracing::warn!(file = %self.path.display(), error = %e, "invalid session memory; ignoring it");
                BTreeMap::new()
            }
        }
    }

    /// Returns the session remembered under `key`.
    pub fn get(&self, key: &str) -> Option<SavedSession> {
        self.load().remove(key)
    }

    /// Remembers `session` under `key`. A failed write is logged, not returned, because the
    /// game goes on without the memory.
    pub fn put(&self, key: &str, session: SavedSession) {
        self.update(|sessions| {
            sessions.insert(key.to_string(), session);
            true
        });
    }

    /// Forgets the session under `key`, if there is one.
    pub fn remove(&self, key: &str) {
        self.update(|sessions| sessions.remove(key).is_some());
    }

    /// Loads the sessions, lets `change` edit them and writes them back if it returns true.
    /// An exclusive lock on a `.lock` file next to the file keeps two `quizcast play` processes
    /// from losing each other's changes.
    fn update(&self, change: impl FnOnce(&mut BTreeMap<String, SavedSession>) -> bool) {
        let lock = self.lock();
        let mut sessions = self.load();
        if change(&mut sessions) {
            self.save_logged(&sessions);
        }
        drop(lock);
    }

    /// Takes the lock file, or returns `None` (and logs) when it cannot be opened or locked, in
    /// which case the update goes ahead unlocked.
    fn lock(&self) -> Option<std::fs::File> {
        let mut path = self.path.clone().into_os_string();
        path.push(".lock");
        let path = PathBuf::from(path);
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            let _ = std::fs::create_dir_all(dir);
        }
        let locked = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .and_then(|file| file.lock().map(|()| file));
        match locked {
            Ok(file) => Some(file),
            Err(e) => {
                tracing::warn!(file = %path.display(), error = %e, "cannot lock the session memory; updating it without the lock");
                None
            }
        }
    }

    fn save_logged(&self, sessions: &BTreeMap<String, SavedSession>) {
        if let Err(e) = self.save(sessions) {
            tracing::warn!(file = %self.path.display(), error = %e, "cannot write the session memory");
        }
    }

    /// Writes `sessions` through a temporary file in the same directory and a rename.
    fn save(&self, sessions: &BTreeMap<String, SavedSession>) -> std::io::Result<()> {
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)?;
        }
        let json = serde_json::to_string_pretty(sessions).expect("sessions always serialize");
        // The process id keeps two writers from sharing one temporary file.
        let mut temporary = self.path.clone().into_os_string();
        temporary.push(format!(".{}.tmp", std::process::id()));
        let temporary = PathBuf::from(temporary);
        std::fs::write(&temporary, json + "\n")?;
        std::fs::rename(&temporary, &self.path).inspect_err(|_| {
            let _ = std::fs::remove_file(&temporary);
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> JoinTarget {
        JoinTarget::parse("http://127.0.0.1:7878/join/k7q2").unwrap()
    }

    fn saved(player_id: &str) -> SavedSession {
        SavedSession {
            player_id: player_id.into(),
            token: "0123456789abcdef".into(),
            name: "Ada".into(),
            ws_url: Some("ws://127.0.0.1:7878/ws".into()),
            code: Some("K7Q2".into()),
            title: Some("Friday quiz".into()),
        }
    }

    #[test]
    fn key_uses_base_and_upper_case_code() {
        assert_eq!(StateFile::key(&target()), "http://127.0.0.1:7878/join/K7Q2");
    }

    #[test]
    fn round_trip_keeps_entries() {
        let dir = tempfile::tempdir().unwrap();
        let file = StateFile::new(dir.path().join("nested/sessions.json"));
        file.put("a", saved("p-1"));
        file.put("b", saved("p-2"));
        assert_eq!(file.get("a"), Some(saved("p-1")));
        assert_eq!(file.get("b"), Some(saved("p-2")));

        file.remove("a");
        assert_eq!(file.get("a"), None);
        assert_eq!(file.get("b"), Some(saved("p-2")));
        let leftovers: Vec<_> = std::fs::read_dir(dir.path().join("nested"))
            .unwrap()
            .map(|entry| entry.unwrap().file_name())
            .collect();
        assert!(
            leftovers
                .iter()
                .all(|name| !name.to_string_lossy().ends_with(".tmp")),
            "a temporary file is left: {leftovers:?}"
        );
    }

    #[test]
    fn corrupt_file_ignored_and_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        std::fs::write(&path, "{not json").unwrap();
        let file = StateFile::new(&path);
        assert!(file.load().is_empty());
        assert_eq!(file.get("a"), None);

        file.put("a", saved("p-1"));
        assert_eq!(file.get("a"), Some(saved("p-1")));
    }

    #[test]
    fn unreadable_path_ignored() {
        // A directory where the file should be cannot be read or replaced.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sessions.json");
        std::fs::create_dir(&path).unwrap();
        let file = StateFile::new(&path);
        assert!(file.load().is_empty());
        file.put("a", saved("p-1"));
        assert_eq!(file.get("a"), None);
    }

    #[test]
    fn minimal_entry_filled_from_target() {
        let entry: SavedSession =
            serde_json::from_str(r#"{"player_id":"p-1","token":"t","name":"Ada"}"#).unwrap();
        let joined = entry.to_join(&target());
        assert_eq!(joined.ws_url, "ws://127.0.0.1:7878/ws");
        assert_eq!(joined.code, "K7Q2");
        assert_eq!(joined.token, "t");
    }
}
