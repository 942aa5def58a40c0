//! The swarm: thousands of headless players in one process, for load tests before an event.
//!
//! Each bot is one task running the same [`session`] code as `quizcast play`: it joins through
//! the admission endpoint with the same backoff and jitter, plays the whole game, and records
//! latencies in a shared [`Probe`]. Bots share one HTTP client and have no threads of their own,
//! so the swarm itself stays cheap next to the host it measures.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::RngExt;
use serde::Serialize;
use tokio::sync::mpsc;

use crate::client::answers::AnswerSpec;
use crate::client::events::{PlayerCommand, PlayerEvent};
use crate::client::join::{JoinTarget, RetryPolicy};
use crate::client::probe::{Percentiles, Probe};
use crate::client::session::{self, SessionConfig};
use crate::client::{ClientError, new_player_id};

/// The settings of a swarm run.
#[derive(Debug, Clone)]
pub struct SwarmOptions {
    pub target: JoinTarget,
    pub players: usize,
    /// Bots start evenly spread over this time; zero starts them all at once.
    pub ramp: Duration,
    pub answers: AnswerSpec,
    /// Each bot answers after a uniformly random delay up to this, like people who take their
    /// time; zero answers at once.
    pub answer_within: Duration,
    pub retry: RetryPolicy,
    /// Bot names are this prefix and a number.
    pub name_prefix: String,
}

/// The outcome of a swarm run.
#[derive(Debug, Clone, Serialize)]
pub struct SwarmReport {
    pub players: usize,
    /// Bots admitted and connected.
    pub joined: usize,
    /// Bots that played until game over.
    pub finished: usize,
    /// Bots that stopped retrying the join.
    pub gave_up: usize,
    /// Bots that failed after joining (connection lost, protocol error).
    pub failed: usize,
    /// 429 answers seen while joining.
    pub http_429: u64,
    /// Join retries for any reason.
    pub retries: u64,
    /// First join request to last admission, in ms.
    pub join_ms: u64,
    pub delivery_ms: Percentiles,
    pub ack_ms: Percentiles,
    pub result_ms: Percentiles,
    pub lost: u64,
    pub out_of_order: u64,
    /// Distinct failure messages with how many bots hit each.
    pub errors: BTreeMap<String, usize>,
}

/// Counters the bots share.
#[derive(Default)]
struct Tally {
    joined: AtomicUsize,
    finished: AtomicUsize,
    gave_up: AtomicUsize,
    failed: AtomicUsize,
    http_429: AtomicU64,
    retries: AtomicU64,
    /// Latest admission, in ms after the swarm started.
    last_join_ms: AtomicU64,
    errors: Mutex<BTreeMap<String, usize>>,
}

/// Runs the swarm until every bot has finished or failed. `progress` is called about once a
/// second with (joined, finished, players).
pub async fn run(
    options: SwarmOptions,
    mut progress: impl FnMut(usize, usize, usize),
) -> Result<SwarmReport, ClientError> {
    let http = session::http_client()?;
    let probe = Arc::new(Probe::default());
    let tally = Arc::new(Tally::default());
    let started = Instant::now();

    let mut bots = tokio::task::JoinSet::new();
    for i in 0..options.players {
        let start_at = started + spread(options.ramp, i, options.players);
        let config = SessionConfig {
            target: options.target.clone(),
            name: format!("{}{i}", options.name_prefix),
            player_id: new_player_id(),
            retry: options.retry,
            probe: Some(probe.clone()),
        };
        let bot = Bot {
            http: http.clone(),
            answers: options.answers.clone(),
            answer_within: options.answer_within,
            tally: tally.clone(),
            started,
        };
        bots.spawn(async move {
            tokio::time::sleep_until(start_at.into()).await;
            bot.play(config).await;
        });
    }

    let mut ticker = tokio::time::interval(Duration::from_secs(1));
    loop {
        tokio::select! {
            done = bots.join_next() => {
                if done.is_none() {
                    break;
                }
            }
            _ = ticker.tick() => progress(
                tally.joined.load(Ordering::Relaxed),
                tally.finished.load(Ordering::Relaxed),
                options.players,
            ),
        }
    }

    let errors = tally.errors.lock().expect("tally lock poisoned").clone();
    Ok(SwarmReport {
        players: options.players,
        joined: tally.joined.load(Ordering::Relaxed),
        finished: tally.finished.load(Ordering::Relaxed),
        gave_up: tally.gave_up.load(Ordering::Relaxed),
        failed: tally.failed.load(Ordering::Relaxed),
        http_429: tally.http_429.load(Ordering::Relaxed),
        retries: tally.retries.load(Ordering::Relaxed),
        join_ms: tally.last_join_ms.load(Ordering::Relaxed),
        delivery_ms: probe.delivery(),
        ack_ms: probe.ack(),
        result_ms: probe.result(),
        lost: probe.lost.load(Ordering::Relaxed),
        out_of_order: probe.out_of_order.load(Ordering::Relaxed),
        errors,
    })
}

/// Returns when bot `i` of `n` starts within `ramp`.
fn spread(ramp: Duration, i: usize, n: usize) -> Duration {
    if n <= 1 {
        return Duration::ZERO;
    }
    ramp.mul_f64(i as f64 / n as f64)
}

struct Bot {
    http: reqwest::Client,
    answers: AnswerSpec,
    answer_within: Duration,
    tally: Arc<Tally>,
    started: Instant,
}

impl Bot {
    /// Plays one session, answering per the script, and tallies the outcome.
    async fn play(self, config: SessionConfig) {
        let (events_tx, mut events_rx) = mpsc::unbounded_channel();
        let (commands_tx, commands_rx) = mpsc::unbounded_channel();
        let session = session::run_with(&self.http, config, events_tx, commands_rx);
        let driver = async {
            while let Some(event) = events_rx.recv().await {
                self.on_event(event, &commands_tx);
            }
        };
        let (result, ()) = tokio::join!(session, driver);
        match result {
            Ok(_) => {
                self.tally.finished.fetch_add(1, Ordering::Relaxed);
            }
            Err(error) => {
                let counter = match error {
                    ClientError::GaveUp { .. } => &self.tally.gave_up,
                    _ => &self.tally.failed,
                };
                counter.fetch_add(1, Ordering::Relaxed);
                let mut errors = self.tally.errors.lock().expect("tally lock poisoned");
                *errors.entry(error.to_string()).or_default() += 1;
            }
        }
    }

    fn on_event(&self, event: PlayerEvent, commands: &mpsc::UnboundedSender<PlayerCommand>) {
        match event {
            PlayerEvent::Retrying { status, .. } => {
                self.tally.retries.fetch_add(1, Ordering::Relaxed);
                if status == 429 {
                    self.tally.http_429.fetch_add(1, Ordering::Relaxed);
                }
            }
            PlayerEvent::Joined { .. } => {
                self.tally.joined.fetch_add(1, Ordering::Relaxed);
                let at = self.started.elapsed().as_millis() as u64;
                self.tally.last_join_ms.fetch_max(at, Ordering::Relaxed);
            }
            PlayerEvent::Question { index, options, .. } => {
                let Some(option) = self.answers.choose(index, options.len()) else {
                    return;
                };
                let answer = PlayerCommand::Answer { index, option };
                if self.answer_within.is_zero() {
                    let _ = commands.send(answer);
                    return;
                }
                let delay = rand::rng().random_range(Duration::ZERO..=self.answer_within);
                let commands = commands.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(delay).await;
                    let _ = commands.send(answer);
                });
            }
            _ => {}
        }
    }
}

/// Formats the report as a table for people.
pub fn table(report: &SwarmReport) -> String {
    let mut out = String::new();
    let line = |out: &mut String, label: &str, value: String| {
        out.push_str(&format!("{label:<28} {value}\n"));
    };
    line(&mut out, "players", report.players.to_string());
    line(&mut out, "joined", report.joined.to_string());
    line(&mut out, "finished the game", report.finished.to_string());
    line(&mut out, "gave up joining", report.gave_up.to_string());
    line(&mut out, "failed after joining", report.failed.to_string());
    line(&mut out, "HTTP 429 answers", report.http_429.to_string());
    line(&mut out, "join retries", report.retries.to_string());
    line(
        &mut out,
        "first request to last join",
        format!("{} ms", report.join_ms),
    );
    out.push_str(&format!(
        "\n{:<28} {:>8} {:>6} {:>6} {:>6} {:>6}\n",
        "latency (ms)", "samples", "p50", "p90", "p99", "max"
    ));
    for (label, p) in [
        ("question delivery", report.delivery_ms),
        ("answer acknowledgement", report.ack_ms),
        ("private result after close", report.result_ms),
    ] {
        out.push_str(&format!(
            "{label:<28} {:>8} {:>6} {:>6} {:>6} {:>6}\n",
            p.count, p.p50, p.p90, p.p99, p.max
        ));
    }
    out.push('\n');
    line(&mut out, "messages lost", report.lost.to_string());
    line(
        &mut out,
        "messages out of order",
        report.out_of_order.to_string(),
    );
    for (message, count) in &report.errors {
        line(&mut out, &format!("error x{count}"), message.clone());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spread_covers_ramp_evenly() {
        let ramp = Duration::from_millis(1000);
        assert_eq!(spread(ramp, 0, 4), Duration::ZERO);
        assert_eq!(spread(ramp, 2, 4), Duration::from_millis(500));
        assert_eq!(spread(Duration::ZERO, 3, 4), Duration::ZERO);
        assert_eq!(spread(ramp, 0, 1), Duration::ZERO);
    }
}
