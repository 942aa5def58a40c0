//! The command line: `quizcast host`, `quizcast play`, `quizcast swarm` and `quizcast check`.

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};

use crate::client::answers::AnswerSpec;
use crate::import::{Encoding, Format, ImportOptions, PlayOrder};
use crate::server::limits::Limits;

/// A live multiplayer quiz that runs in terminals.
#[derive(Debug, Parser)]
#[command(name = "quizcast", version, about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The roles.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Host a game: a terminal UI with the join QR code, and the server players connect to.
    Host(HostArgs),
    /// Join a game as a player, using the join URL the host shows.
    Play(PlayArgs),
    /// Load-test a host: run many headless players in one process and report latencies.
    Swarm(SwarmArgs),
    /// Check question files: the format detected, usable and skipped questions with the reason
    /// and location, and warnings. Exits 0 only when every file has a usable question.
    Check(CheckArgs),
}

/// Options of `quizcast host`.
#[derive(Debug, Args)]
pub struct HostArgs {
    /// Question file: quizcast TOML or JSON, Open Trivia DB JSON, a Kahoot sheet (.xlsx or
    /// .csv), Moodle GIFT or Aiken. Repeat it to play several files in order. Without it, the
    /// bundled bank on cloud and real-time systems is used.
    #[arg(long, value_name = "FILE")]
    pub questions: Vec<PathBuf>,

    #[command(flatten)]
    pub import: ImportArgs,

    /// Play the questions in a random order.
    #[arg(long, conflicts_with = "resume")]
    pub shuffle_questions: bool,

    /// Show each question's options in a random order; True/False keeps its order.
    #[arg(long, conflicts_with = "resume")]
    pub shuffle_options: bool,

    /// Play only the first N questions, after shuffling.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..), conflicts_with = "resume")]
    pub limit: Option<u32>,

    /// Time limit for every question, in seconds (5 to 240), replacing the files' own.
    #[arg(long, value_name = "SECS", value_parser = clap::value_parser!(u32).range(5..=240), conflicts_with = "resume")]
    pub time_limit: Option<u32>,

    /// Address and port to listen on; port 0 takes a free port.
    #[arg(long, value_name = "ADDR", default_value = "0.0.0.0:7878", value_parser = parse_bind)]
    pub bind: SocketAddr,

    /// Base URL players use (scheme, host, port), for a host behind NAT, a proxy or a tunnel.
    /// Default: the bound address, or the first non-loopback IPv4 address when bound to all
    /// interfaces.
    #[arg(long, value_name = "URL")]
    pub public_url: Option<String>,

    /// Game code, 3 to 12 letters or digits. Default: 4 random characters.
    #[arg(long, value_name = "CODE")]
    pub code: Option<String>,

    /// Joins admitted per second at the join endpoint, with a burst of 1/20 of that; the rest
    /// are answered 429 with Retry-After.
    #[arg(long, value_name = "N", default_value_t = NonZeroU32::new(2000).unwrap())]
    pub join_rate: NonZeroU32,

    /// Run without the terminal UI: print one JSON object per line per game event and exit
    /// after the game ends. Needs --auto-start.
    #[arg(long)]
    pub headless: bool,

    /// Start the game as soon as N players are connected (1 or more).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
    pub auto_start: Option<u32>,

    /// Move on this many seconds after each question closes. Default: keys in the UI, 5 s when
    /// headless.
    #[arg(long, value_name = "SECS", allow_negative_numbers = true)]
    pub auto_advance: Option<f64>,

    /// Write the final results (rank, name, score, correct answers) to FILE as JSON.
    #[arg(long, value_name = "FILE")]
    pub results: Option<PathBuf>,

    /// Log file used under the terminal UI. Default: host.log in the quizcast data directory.
    /// Headless hosts log to stderr.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// SQLite database that keeps games, players, every accepted answer and the results, so a
    /// game survives a crash. Default: quizcast.db in the quizcast data directory.
    #[arg(long, value_name = "FILE", conflicts_with = "no_db")]
    pub db: Option<PathBuf>,

    /// Keep nothing on disk; a crash loses the game.
    #[arg(long)]
    pub no_db: bool,

    /// Resume a game after the host stopped or crashed: the game CODE, or without a value the
    /// most recently played unfinished game in the database. A question that was open is closed
    /// without penalty (stored answers count, streaks are kept). Players reconnect by
    /// themselves.
    #[arg(long, value_name = "CODE", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["no_db", "code", "questions", "format"])]
    pub resume: Option<String>,

    /// Bearer key of the admin API, at least 16 characters of printable ASCII. Default: 128 random bits, shown in
    /// the lobby and printed in the headless `listening` event. Prefer the environment
    /// variable, which other users cannot read from the process list.
    #[arg(
        long,
        value_name = "KEY",
        env = "QUIZCAST_ADMIN_KEY",
        hide_env_values = true
    )]
    pub admin_key: Option<String>,
    #[command(flatten)]
    pub limits: LimitArgs,
}

/// Limits `quizcast host` enforces on every client. Defaults come from [`Limits::default`].
#[derive(Debug, Args)]
#[command(next_help_heading = "Limits")]
pub struct LimitArgs {
    /// Largest WebSocket message a client may send, in bytes; a larger one closes that
    /// connection with code 1009.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_message_bytes)]
    pub max_message_bytes: usize,

    /// Publishes (answers) per second each connection may make on average; one over the limit
    /// gets a publish_error of type RateLimited.
    #[arg(long, value_name = "N", default_value_t = Limits::default().publish_rate)]
    pub publish_rate: u32,

    /// Publishes a connection may make at once before --publish-rate applies.
    #[arg(long, value_name = "N", default_value_t = Limits::default().publish_burst)]
    pub publish_burst: u32,

    /// Rejected publishes in a row after which the connection is closed with code 4004.
    #[arg(long, value_name = "N", default_value_t = Limits::default().publish_strikes)]
    pub publish_strikes: u32,

    /// Subscriptions one connection may hold at a time; a player needs 2.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_subscriptions)]
    pub max_subscriptions: usize,

    /// Open WebSocket connections per client IP address; further upgrades get 429. A classroom
    /// behind one NAT router shares one address, and so do all players behind a reverse proxy.
    #[arg(long, value_name = "N", default_value_t = Limits::default().max_connections_per_ip)]
    pub max_connections_per_ip: usize,

    /// Largest HTTP request body, in bytes; a larger one gets 413.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_body_bytes)]
    pub max_body_bytes: usize,

    /// Milliseconds a new WebSocket connection has to send connection_init.
    #[arg(long, value_name = "MS", default_value_t = Limits::default().init_timeout.as_millis() as u64)]
    pub init_timeout_ms: u64,

    /// Milliseconds without any frame from a client (a pong counts) before the host closes
    /// the connection.
    #[arg(long, value_name = "MS", default_value_t = Limits::default().idle_timeout.as_millis() as u64)]
    pub idle_timeout_ms: u64,

    /// Milliseconds between the host's keep-alives (a ping and a ka message); at most 30000
    /// and less than --idle-timeout-ms.
    #[arg(long, value_name = "MS", default_value_t = Limits::default().keepalive_interval.as_millis() as u64)]
    pub keepalive_ms: u64,
}

impl LimitArgs {
    /// Returns the limits these flags set.
    pub fn limits(&self) -> Limits {
        Limits {
            max_message_bytes: self.max_message_bytes,
            publish_rate: self.publish_rate,
            publish_burst: self.publish_burst,
            publish_strikes: self.publish_strikes,
            max_subscriptions: self.max_subscriptions,
            max_connections_per_ip: self.max_connections_per_ip,
            max_body_bytes: self.max_body_bytes,
            init_timeout: Duration::from_millis(self.init_timeout_ms),
            idle_timeout: Duration::from_millis(self.idle_timeout_ms),
            keepalive_interval: Duration::from_millis(self.keepalive_ms),
        }
    }
}

/// Options of `quizcast play`.
#[derive(Debug, Args)]
pub struct PlayArgs {
    /// The join URL the host shows, like http://192.168.1.20:7878/join/K7Q2.
    pub url: String,

    /// Nickname, 1 to 20 characters. The terminal UI asks when it is not given.
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    /// Run without the terminal UI: print one JSON object per line per event. Needs --name.
    #[arg(long)]
    pub headless: bool,

    /// Scripted answers: a list of 1-based options per question with `skip` for none
    /// (2,1,skip,4), or `first`, or `random`. Headless players without it skip every question.
    #[arg(long, value_name = "SPEC")]
    pub answers: Option<AnswerSpec>,

    /// Wait this many milliseconds after a question arrives before sending a scripted answer.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub answer_delay_ms: u64,

    /// Give up joining after this many seconds of retries while the host is busy or
    /// unreachable.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub give_up_secs: u64,

    /// Log file used under the terminal UI. Default: player.log in the quizcast data directory.
    /// Headless players log to stderr.
    #[arg(long, value_name = "FILE")]
    pub log_file: Option<PathBuf>,

    /// After the connection to the host drops, keep trying to reconnect for this many seconds.
    #[arg(long, value_name = "SECS", default_value_t = 300)]
    pub reconnect_secs: u64,

    /// File that remembers the player id and session token per join URL, so running the same
    /// command again comes back as the same player. Default: sessions.json in the quizcast
    /// data directory.
    #[arg(long, value_name = "FILE")]
    pub state_file: Option<PathBuf>,

    /// Player id to join with: 1 to 64 ASCII letters, digits, '-' or '_'. Default: the id
    /// remembered for this join URL, or a new random one. A remembered session of another id is
    /// not used.
    #[arg(long, value_name = "ID")]
    pub id: Option<String>,
}

/// Options of `quizcast swarm`.
#[derive(Debug, Args)]
pub struct SwarmArgs {
    /// The join URL the host shows. Start the host with --auto-start N for N players.
    pub url: String,

    /// Number of players to run.
    #[arg(long, value_name = "N")]
    pub players: usize,

    /// Spread the players' first join requests evenly over this many milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub ramp_ms: u64,

    /// Bot answer script: `first`, `random`, or a list of 1-based options per question.
    #[arg(long, value_name = "SPEC", default_value = "first")]
    pub answers: AnswerSpec,

    /// Each player answers after a random delay of up to this many milliseconds; 0 answers as
    /// soon as the question arrives.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub answer_within_ms: u64,

    /// Give up joining after this many seconds of retries.
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub give_up_secs: u64,

    /// Bot names are this prefix followed by a number.
    #[arg(long, value_name = "PREFIX", default_value = "bot")]
    pub name_prefix: String,

    /// Print one JSON object instead of the table.
    #[arg(long)]
    pub json: bool,
}

/// Options of `quizcast check`.
#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Question files to check.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    #[command(flatten)]
    pub import: ImportArgs,

    /// Print one JSON object with a report per file instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Question file reading options, shared by `host` and `check`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    /// Read every question file as this format instead of detecting it from the extension and
    /// content: toml, json, opentdb, kahoot-xlsx, kahoot-csv, gift or aiken.
    #[arg(long, value_name = "FORMAT")]
    pub format: Option<Format>,

    /// Encoding of text question files: utf-8 or windows-1252. An invalid UTF-8 byte is
    /// reported with its offset. There is no automatic fallback, so pass windows-1252 for files
    /// saved by Excel or older Windows editors. It keeps valid UTF-8 as it is, so files that mix
    /// both encodings read correctly.
    #[arg(long, value_name = "ENCODING", default_value = "utf-8")]
    pub encoding: Encoding,
}

impl ImportArgs {
    /// Returns the options the importer takes.
    pub fn options(&self) -> ImportOptions {
        ImportOptions {
            format: self.format,
            encoding: self.encoding,
            ..ImportOptions::default()
        }
    }
}

/// Parses `--bind`, saying what form it takes when the value is wrong.
fn parse_bind(value: &str) -> Result<SocketAddr, String> {
    value.parse().map_err(|_| {
        format!(
            "{value:?} is not an address and port; use IP:PORT such as 0.0.0.0:7878 or 127.0.0.1:0"
        )
    })
}

impl HostArgs {
    /// Returns how the bank is reordered and trimmed before the game.
    pub fn play_order(&self) -> PlayOrder {
        PlayOrder {
            shuffle_questions: self.shuffle_questions,
            shuffle_options: self.shuffle_options,
            limit: self.limit.map(|n| n as usize),
            time_limit: self.time_limit,
        }
    }

    /// Returns the auto-advance delay, with the headless default applied.
    pub fn auto_advance(&self) -> Result<Option<Duration>, String> {
        match self.auto_advance {
            Some(secs) if secs.is_finite() && secs >= 0.0 => {
                Ok(Some(Duration::from_secs_f64(secs)))
            }
            Some(secs) => Err(format!(
                "invalid --auto-advance {secs}; give a number of seconds, 0 or more"
            )),
            None if self.headless => Ok(Some(Duration::from_secs(5))),
            None => Ok(None),
        }
    }
}
