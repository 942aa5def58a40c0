//! quizcast: a live multiplayer quiz played in terminals.
//!
//! One binary has two roles. The host runs a game and serves it over HTTP and WebSocket; players
//! join through an admission endpoint and then talk the channel protocol over one WebSocket.
//!
//! Module map:
//! - [`bank`]: question banks (TOML or JSON), validation, and the bundled default bank.
//! - [`import`]: question files in other formats (Open Trivia DB, Kahoot sheets, GIFT, Aiken),
//!   format detection, text clean-up, and the per-file report `quizcast check` prints.
//! - [`scoring`]: the points formula and the answer-streak bonus.
//! - [`nickname`]: nickname rules (length in graphemes, control characters, case-insensitive
//!   uniqueness key).
//! - [`game`]: the pure game state machine. It owns players, answers and scores and takes the
//!   time as an argument, so tests drive it without a clock.
//! - [`protocol`]: the WebSocket messages, channel paths and the JSON payloads on each channel.
//! - [`server`]: the HTTP routes, admission control, the WebSocket connection handler and the
//!   channel hub that fans messages out to subscribers.
//! - [`host`]: the game actor (one task per game that owns a [`game::Game`] and its clock), the
//!   host's command-line entry point and its headless JSON output.
//! - [`client`]: the player side: joining with backoff, the WebSocket session, answer scripts
//!   and the headless JSON output.
//! - [`ui`]: the terminal screens for host and player (ratatui), and QR rendering.

pub mod app;
pub mod bank;
pub mod cli;
pub mod client;
pub mod game;
pub mod host;
pub mod import;
pub mod nickname;
pub mod protocol;
pub mod scoring;
pub mod server;
pub mod store;
pub mod swarm;
pub mod ui;
