//! Player reconnect over real sockets: a host on 127.0.0.1:0, a TCP proxy between the player and
//! the host that the test cuts, and real player sessions.

mod common;

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::start_host_behind;
use quizcast::bank::Bank;
use quizcast::client::ClientError;
use quizcast::client::events::{PlayerCommand, PlayerEvent};
use quizcast::client::join::{JoinTarget, RetryPolicy};
use quizcast::client::memory::StateFile;
use quizcast::client::new_player_id;
use quizcast::client::reconnect::ReconnectPolicy;
use quizcast::client::session::{self, SessionConfig, SessionOptions, SessionSummary};
use quizcast::host::RunningHost;
use quizcast::host::actor::Automation;
use quizcast::host::events::{HostCommand, HostEvent};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;

/// Every wait for an event gives up after this long.
const EVENT_TIMEOUT: Duration = Duration::from_secs(30);
/// Points per question in [`bank`].
const POINTS: f64 = 1000.0;
/// Time limit per question in [`bank`], long enough that no question times out in a test.
const LIMIT_MS: f64 = 60_000.0;

/// A bank of `n` questions with options a/b/c/d, `b` (0-based option 1) correct, 60 s each.
fn bank(n: usize) -> Bank {
    let mut text = String::from("title = \"Reconnect bank\"\ntime_limit = 60\n");
    for i in 0..n {
        text.push_str(&format!(
            "[[questions]]\ntext = \"Question {i}\"\noptions = [\"a\", \"b\", \"c\", \"d\"]\ncorrect = 2\n"
        ));
    }
    Bank::parse_toml(&text, "reconnect.toml").unwrap()
}

/// Kahoot's points for a correct answer after `elapsed_ms` that makes the streak `streak`
/// long, written out independently of the crate's scoring module.
fn expected_points(elapsed_ms: u64, streak: u32) -> u64 {
    let base = if elapsed_ms <= 500 {
        POINTS
    } else {
        ((1.0 - (elapsed_ms as f64 / LIMIT_MS) / 2.0) * POINTS).round()
    };
    let bonus = (100 * u64::from(streak.saturating_sub(1))).min(500);
    base as u64 + bonus
}

/// A TCP proxy on 127.0.0.1 that forwards to a host and can cut every open connection and
/// refuse new ones.
struct Proxy {
    addr: SocketAddr,
    upstream: Arc<Mutex<SocketAddr>>,
    refusing: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// Binds the proxy's listener; [`Proxy::forward_to`] starts forwarding.
    async fn bind() -> (Proxy, TcpListener) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Proxy {
            addr: listener.local_addr().unwrap(),
            upstream: Arc::new(Mutex::new(listener.local_addr().unwrap())),
            refusing: Arc::new(AtomicBool::new(false)),
            connections: Arc::new(Mutex::new(Vec::new())),
        };
        (proxy, listener)
    }

    /// Accepts connections on `listener` and forwards each to `upstream`.
    fn forward_to(&self, listener: TcpListener, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
        let upstream = self.upstream.clone();
        let refusing = self.refusing.clone();
        let connections = self.connections.clone();
        tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                if refusing.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let target = *upstream.lock().unwrap();
                let task = tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound).await;
                });
                connections.lock().unwrap().push(task);
            }
        });
    }

    /// Sends new connections to `upstream` from now on.
    fn switch_to(&self, upstream: SocketAddr) {
        *self.upstream.lock().unwrap() = upstream;
    }

    /// Refuses new connections and closes every open one, as a network failure would.
    fn cut(&self) {
        self.refusing.store(true, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    /// Accepts new connections again.
    fn restore(&self) {
        self.refusing.store(false, Ordering::SeqCst);
    }

    fn join_url(&self) -> String {
        format!("http://{}/join/TEST", self.addr)
    }
}

/// Starts a host behind a new proxy.
async fn host_behind_proxy(questions: usize, automation: Automation) -> (RunningHost, Proxy) {
    let (proxy, listener) = Proxy::bind().await;
    let host = start_host_behind(
        bank(questions),
        automation,
        format!("http://{}", proxy.addr),
    )
    .await;
    proxy.forward_to(listener, host.addr);
    (host, proxy)
}

/// A player session running in a task, with its events recorded as they are read.
struct Player {
    events: mpsc::UnboundedReceiver<PlayerEvent>,
    commands: mpsc::UnboundedSender<PlayerCommand>,
    seen: Vec<PlayerEvent>,
    task: JoinHandle<Result<SessionSummary, ClientError>>,
}

impl Player {
    /// Starts a session for `name` at `join_url` with fast reconnects and `state_file`.
    fn start(join_url: &str, name: &str, state_file: Option<StateFile>) -> Player {
        let config = SessionConfig {
            target: JoinTarget::parse(join_url).unwrap(),
            name: name.into(),
            player_id: new_player_id(),
            retry: RetryPolicy::default(),
            probe: None,
        };
        let options = SessionOptions {
            reconnect: ReconnectPolicy {
                first_step: Duration::from_millis(20),
                max_step: Duration::from_millis(200),
                give_up_after: Duration::from_secs(30),
            },
            state_file,
            keep_player_id: false,
        };
        let (events_tx, events) = mpsc::unbounded_channel();
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let task = tokio::spawn(async move {
            let http = session::http_client()?;
            session::run_with_options(&http, config, options, events_tx, commands_rx).await
        });
        Player {
            events,
            commands,
            seen: Vec::new(),
            task,
        }
    }

    /// Returns the next event for which `wanted` is true, recording every event read.
    async fn wait_for(&mut self, what: &str, wanted: impl Fn(&PlayerEvent) -> bool) -> PlayerEvent {
        loop {
            let event = tokio::time::timeout(EVENT_TIMEOUT, self.events.recv())
                .await
                .unwrap_or_else(|_| {
                    panic!("no {what} within {EVENT_TIMEOUT:?}; saw {:#?}", self.seen)
                })
                .unwrap_or_else(|| panic!("session ended before {what}; saw {:#?}", self.seen));
            self.seen.push(event.clone());
            if wanted(&event) {
                return event;
            }
        }
    }

    async fn question(&mut self, index: usize) -> PlayerEvent {
        self.wait_for(
            &format!("question {index}"),
            |e| matches!(e, PlayerEvent::Question { index: i, .. } if *i == index),
        )
        .await
    }

    async fn answered(&mut self, index: usize) {
        self.wait_for(
            &format!("answered {index}"),
            |e| matches!(e, PlayerEvent::Answered { index: i, .. } if *i == index),
        )
        .await;
    }

    async fn result(&mut self, index: usize) {
        self.wait_for(
            &format!("result {index}"),
            |e| matches!(e, PlayerEvent::Result { index: i, .. } if *i == index),
        )
        .await;
    }

    async fn reconnecting(&mut self) {
        self.wait_for("reconnecting", |e| {
            matches!(e, PlayerEvent::Reconnecting { .. })
        })
        .await;
    }

    fn answer(&self, index: usize, option: usize) {
        self.commands
            .send(PlayerCommand::Answer { index, option })
            .unwrap();
    }

    /// Waits for the session to end, records the rest of its events and returns its result.
    async fn finish(mut self) -> (Vec<PlayerEvent>, Result<SessionSummary, ClientError>) {
        let result = tokio::time::timeout(EVENT_TIMEOUT, &mut self.task)
            .await
            .expect("the session ends")
            .expect("the session task does not panic");
        while let Ok(event) = self.events.try_recv() {
            self.seen.push(event);
        }
        (self.seen, result)
    }
}

/// Returns the next host event for which `wanted` is true.
async fn host_event(host: &mut RunningHost, wanted: impl Fn(&HostEvent) -> bool) -> HostEvent {
    loop {
        let event = tokio::time::timeout(EVENT_TIMEOUT, host.events.recv())
            .await
            .expect("a host event in time")
            .expect("host events open");
        if wanted(&event) {
            return event;
        }
    }
}

/// Sends Advance and returns the local deadline of question `index`, which it opens. Events
/// left from earlier questions, such as one opened by auto-start, are skipped.
async fn open_next(host: &mut RunningHost, index: usize) -> Instant {
    host.commands.send(HostCommand::Advance).unwrap();
    let started = host_event(
        host,
        |e| matches!(e, HostEvent::QuestionStarted { question, .. } if question.index == index),
    )
    .await;
    match started {
        HostEvent::QuestionStarted { deadline, .. } => deadline,
        _ => unreachable!("host_event returned a started question"),
    }
}

/// The (index, points, score, streak) of each result event, in order.
fn results(events: &[PlayerEvent]) -> Vec<(usize, u64, u64, u32)> {
    events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Result {
                index,
                points,
                score,
                streak,
                ..
            } => Some((*index, *points, *score, *streak)),
            _ => None,
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cut_player_resumes_same_game() {
    let automation = Automation {
        auto_start: Some(1),
        auto_advance: None,
    };
    let (mut host, proxy) = host_behind_proxy(5, automation).await;
    let mut ada = Player::start(&proxy.join_url(), "Ada", None);

    // Question 0 on an intact connection.
    ada.question(0).await;
    ada.answer(0, 1);
    ada.result(0).await;

    // Cut while question 1 is open, and answer while the connection is down: the answer is
    // queued and sent after the reconnect.
    open_next(&mut host, 1).await;
    ada.question(1).await;
    proxy.cut();
    ada.reconnecting().await;
    ada.answer(1, 1);
    proxy.restore();
    ada.wait_for("reconnected", |e| *e == PlayerEvent::Reconnected)
        .await;
    ada.answered(1).await;
    ada.result(1).await;

    // Question 2 opens while the player is away. The replayed question counts down to the
    // host's deadline, not from its full time limit.
    proxy.cut();
    ada.reconnecting().await;
    let host_deadline = open_next(&mut host, 2).await;
    // Stay away long enough that a countdown restarted from the full time limit would show.
    tokio::time::sleep(Duration::from_millis(1000)).await;
    proxy.restore();
    let PlayerEvent::Question { deadline, .. } = ada.question(2).await else {
        unreachable!("question returns a question event");
    };
    let skew = if deadline > host_deadline {
        deadline - host_deadline
    } else {
        host_deadline - deadline
    };
    assert!(
        skew < Duration::from_millis(300),
        "the replayed question's deadline is {skew:?} off the host's"
    );
    ada.answer(2, 1);
    ada.result(2).await;

    // Question 3 closes and question 4 opens while the player is away. An answer to question 3
    // chosen meanwhile is reported as not sent.
    open_next(&mut host, 3).await;
    ada.question(3).await;
    proxy.cut();
    ada.reconnecting().await;
    host.commands.send(HostCommand::CloseQuestion).unwrap();
    host_event(&mut host, |e| matches!(e, HostEvent::QuestionClosed { .. })).await;
    ada.answer(3, 1);
    open_next(&mut host, 4).await;
    proxy.restore();
    ada.question(4).await;
    ada.answer(4, 1);
    ada.result(4).await;

    host.commands.send(HostCommand::Advance).unwrap();
    let HostEvent::GameOver { results: standings } =
        host_event(&mut host, |e| matches!(e, HostEvent::GameOver { .. })).await
    else {
        unreachable!("host_event returned game over");
    };
    let (events, result) = ada.finish().await;
    let summary = result.expect("the session finishes the game");

    let seen = results(&events);
    let indexes: Vec<usize> = seen.iter().map(|r| r.0).collect();
    assert_eq!(indexes, [0, 1, 2, 3, 4], "one result per question");
    let streaks: Vec<u32> = seen.iter().map(|r| r.3).collect();
    assert_eq!(streaks, [1, 2, 3, 0, 1], "streak kept across reconnects");
    let points: u64 = seen.iter().map(|r| r.1).sum();
    assert_eq!(
        summary.score, points,
        "final score is the sum of result points"
    );
    assert_eq!(summary.lost, 0, "no event lost across reconnects");

    // The points follow the formula from the response times the host measured.
    let mut streak = 0;
    let mut expected = 0;
    for event in &events {
        if let PlayerEvent::Answered { elapsed_ms, .. } = event {
            streak += 1;
            expected += expected_points(*elapsed_ms, streak);
        }
        if let PlayerEvent::Result { correct: false, .. } = event {
            streak = 0;
        }
    }
    assert_eq!(summary.score, expected, "score from the formula");

    let answered: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Answered { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(answered, [0, 1, 2, 4], "each answer accepted once");
    let rejected: Vec<usize> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::AnswerRejected { index, .. } => Some(*index),
            _ => None,
        })
        .collect();
    assert_eq!(
        rejected,
        [3],
        "only the answer to the closed question is not sent"
    );
    let joins = events
        .iter()
        .filter(|e| matches!(e, PlayerEvent::Joined { .. }))
        .count();
    assert_eq!(joins, 1, "reconnects do not join again");
    let reconnects = events
        .iter()
        .filter(|e| **e == PlayerEvent::Reconnected)
        .count();
    assert_eq!(reconnects, 3, "one reconnect per cut");

    assert_eq!(standings.len(), 1, "the host has one player");
    assert_eq!(standings[0].name, "Ada");
    assert_eq!(standings[0].score, summary.score, "host and player agree");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn missed_events_replayed_in_order() {
    let automation = Automation {
        auto_start: Some(1),
        auto_advance: None,
    };
    let (mut host, proxy) = host_behind_proxy(3, automation).await;
    let mut ada = Player::start(&proxy.join_url(), "Ada", None);
    ada.question(0).await;

    // Away: question 0 closes without an answer, and question 1 opens.
    proxy.cut();
    ada.reconnecting().await;
    host.commands.send(HostCommand::CloseQuestion).unwrap();
    host_event(&mut host, |e| matches!(e, HostEvent::QuestionClosed { .. })).await;
    open_next(&mut host, 1).await;
    proxy.restore();
    ada.question(1).await;
    ada.answer(1, 1);
    ada.result(1).await;

    // Away: the game ends. The only player's answer closed question 2 before the cut.
    open_next(&mut host, 2).await;
    ada.question(2).await;
    ada.answer(2, 1);
    ada.result(2).await;
    proxy.cut();
    ada.reconnecting().await;
    host.commands.send(HostCommand::Advance).unwrap();
    host_event(&mut host, |e| matches!(e, HostEvent::GameOver { .. })).await;
    proxy.restore();

    let (events, result) = ada.finish().await;
    let summary = result.expect("the session finishes the game");
    assert_eq!(summary.lost, 0, "no event lost");
    let kinds: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            PlayerEvent::Question { index, .. } => Some(format!("question {index}")),
            PlayerEvent::QuestionClosed { index, .. } => Some(format!("closed {index}")),
            PlayerEvent::Result { index, .. } => Some(format!("result {index}")),
            PlayerEvent::GameOver { .. } => Some("game over".into()),
            PlayerEvent::Reconnected => Some("reconnected".into()),
            _ => None,
        })
        .collect();
    // Each channel replays in its own order. The question channel is subscribed first, so its
    // missed events come before the private channel's result.
    assert_eq!(
        kinds,
        [
            "question 0",
            "reconnected",
            "closed 0",
            "question 1",
            "result 0",
            "closed 1",
            "result 1",
            "question 2",
            "closed 2",
            "result 2",
            "reconnected",
            "game over",
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn restarted_client_resumes_same_player() {
    let automation = Automation {
        auto_start: None,
        auto_advance: None,
    };
    let (mut host, proxy) = host_behind_proxy(2, automation).await;
    let dir = tempfile::tempdir().unwrap();
    let state = StateFile::new(dir.path().join("sessions.json"));
    let key = StateFile::key(&JoinTarget::parse(&proxy.join_url()).unwrap());

    let mut first = Player::start(&proxy.join_url(), "Ada", Some(state.clone()));
    let PlayerEvent::Joined { player_id, .. } = first
        .wait_for("joined", |e| matches!(e, PlayerEvent::Joined { .. }))
        .await
    else {
        unreachable!("wait_for returned joined");
    };
    let saved = state.get(&key).expect("the join is remembered");
    assert_eq!(saved.player_id, player_id);
    open_next(&mut host, 0).await;
    first.question(0).await;
    first.answer(0, 1);
    first.result(0).await;
    let score_before = results(&first.seen)[0].2;
    // The client process dies: its socket closes without a goodbye.
    first.task.abort();
    drop(first);

    // Same name: a fresh join would be rejected as a taken nickname.
    let mut second = Player::start(&proxy.join_url(), "Ada", Some(state.clone()));
    let PlayerEvent::Joined {
        player_id: resumed, ..
    } = second
        .wait_for("joined", |e| matches!(e, PlayerEvent::Joined { .. }))
        .await
    else {
        unreachable!("wait_for returned joined");
    };
    assert_eq!(
        resumed, player_id,
        "the restarted client is the same player"
    );
    let PlayerEvent::Standing { score, streak, .. } = second
        .wait_for("standing", |e| matches!(e, PlayerEvent::Standing { .. }))
        .await
    else {
        unreachable!("wait_for returned a standing");
    };
    assert_eq!(score, score_before, "score kept");
    assert_eq!(streak, 1, "streak kept");

    open_next(&mut host, 1).await;
    second.question(1).await;
    second.answer(1, 1);
    second.result(1).await;
    host.commands.send(HostCommand::Advance).unwrap();
    let (events, result) = second.finish().await;
    let summary = result.expect("the resumed session finishes the game");
    let last = results(&events);
    assert_eq!(last.len(), 1, "one result after the restart");
    assert_eq!(last[0].3, 2, "the streak continues");
    assert_eq!(summary.score, score_before + last[0].1);
    assert_eq!(summary.players, 1, "no second player was created");
    assert_eq!(state.get(&key), None, "a finished game is forgotten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rejected_token_stops_session() {
    let automation = Automation {
        auto_start: Some(1),
        auto_advance: None,
    };
    let (_host, proxy) = host_behind_proxy(2, automation).await;
    let mut ada = Player::start(&proxy.join_url(), "Ada", None);
    ada.question(0).await;

    // A new host with the same game code replaces the first one, as after a restart without
    // --resume: it does not know the token.
    let other = start_host_behind(bank(2), automation, format!("http://{}", proxy.addr)).await;
    proxy.cut();
    proxy.switch_to(other.addr);
    proxy.restore();
    let (events, result) = ada.finish().await;
    match result {
        Err(ClientError::SessionRejected(why)) => {
            assert!(why.contains("unknown session token"), "{why}");
        }
        other => panic!("expected SessionRejected, got {other:?}"),
    }
    assert!(
        events
            .iter()
            .any(|e| matches!(e, PlayerEvent::Reconnecting { .. })),
        "the session tried to reconnect"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stale_remembered_token_joins_fresh() {
    let automation = Automation {
        auto_start: Some(1),
        auto_advance: Some(Duration::ZERO),
    };
    let (_host, proxy) = host_behind_proxy(1, automation).await;
    let dir = tempfile::tempdir().unwrap();
    let state = StateFile::new(dir.path().join("sessions.json"));
    let key = StateFile::key(&JoinTarget::parse(&proxy.join_url()).unwrap());
    state.put(
        &key,
        quizcast::client::memory::SavedSession {
            player_id: "stale-id".into(),
            token: "00000000000000000000000000000000".into(),
            name: "Ada".into(),
            ws_url: None,
            code: None,
            title: None,
        },
    );

    let mut ada = Player::start(&proxy.join_url(), "Ada", Some(state.clone()));
    ada.wait_for("joined", |e| matches!(e, PlayerEvent::Joined { .. }))
        .await;
    ada.question(0).await;
    ada.answer(0, 1);
    let (_, result) = ada.finish().await;
    assert!(result.is_ok(), "the session finishes: {result:?}");
    assert_eq!(state.get(&key), None, "a finished game is forgotten");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_name_not_resumed() {
    let automation = Automation {
        auto_start: Some(2),
        auto_advance: Some(Duration::ZERO),
    };
    let (_host, proxy) = host_behind_proxy(1, automation).await;
    let dir = tempfile::tempdir().unwrap();
    let state = StateFile::new(dir.path().join("sessions.json"));

    // Two players on one machine share the state file and the join URL.
    let mut ada = Player::start(&proxy.join_url(), "Ada", Some(state.clone()));
    let PlayerEvent::Joined {
        player_id: ada_id, ..
    } = ada
        .wait_for("joined", |e| matches!(e, PlayerEvent::Joined { .. }))
        .await
    else {
        unreachable!("wait_for returned joined");
    };
    let mut grace = Player::start(&proxy.join_url(), "Grace", Some(state.clone()));
    let PlayerEvent::Joined {
        player_id: grace_id,
        name,
        ..
    } = grace
        .wait_for("joined", |e| matches!(e, PlayerEvent::Joined { .. }))
        .await
    else {
        unreachable!("wait_for returned joined");
    };
    assert_ne!(grace_id, ada_id, "Grace does not take over Ada's session");
    assert_eq!(name, "Grace");

    ada.question(0).await;
    grace.question(0).await;
    ada.answer(0, 1);
    grace.answer(0, 1);
    let (_, ada_result) = ada.finish().await;
    let (_, grace_result) = grace.finish().await;
    assert_eq!(ada_result.expect("Ada finishes").players, 2);
    assert_eq!(grace_result.expect("Grace finishes").players, 2);
}
