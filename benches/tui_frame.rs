//! Frame time of the host TUI with 10,000 players.
//!
//! For each screen (lobby with QR code, question, reveal, podium) and each terminal size, the
//! bench applies host events through `HostState::apply`, as the host's screen loop would receive
//! them, and draws `HostView` into a ratatui `TestBackend` once per frame. A frame is the events
//! applied since the previous frame plus one `Terminal::draw`, which renders the widget into a
//! buffer and diffs it against the previous one. The bench prints p50, p99 and max per case.
//!
//! Run with `cargo bench --bench tui_frame`. `FRAMES=N` sets the frames per case (default 2,000,
//! at least 1,000).

use std::hint::black_box;
use std::time::{Duration, Instant};

use quizcast::host::events::{HostEvent, QuestionInfo, Standing};
use quizcast::ui::host::{HostState, HostView, Phase};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;

const PLAYERS: usize = 10_000;
const DEFAULT_FRAMES: usize = 2_000;
const MIN_FRAMES: usize = 1_000;
const SIZES: [(u16, u16); 2] = [(100, 30), (200, 60)];

fn main() {
    let frames = frame_count();
    println!("host TUI frame time, {PLAYERS} players, {frames} frames per case");
    println!("frame = events applied since the previous frame + Terminal::draw into a TestBackend");
    println!("the lobby cases check that the QR code is drawn");
    println!();
    println!(
        "{:<10} {:>8} {:>16} {:>9} {:>9} {:>9}",
        "screen", "size", "events/frame", "p50 ms", "p99 ms", "max ms"
    );
    for (width, height) in SIZES {
        for screen in [
            Screen::Lobby,
            Screen::Question,
            Screen::Reveal,
            Screen::Podium,
        ] {
            let result = measure(screen, width, height, frames);
            println!(
                "{:<10} {:>8} {:>16} {:>9.3} {:>9.3} {:>9.3}",
                screen.name(),
                format!("{width}x{height}"),
                result.events_per_frame,
                millis(result.p50),
                millis(result.p99),
                millis(result.max),
            );
        }
    }
    println!();
    let (setup, game_over) = measure_bulk_applies();
    println!(
        "apply {PLAYERS} PlayerJoined in one go: {:.3} ms; apply GameOver with {PLAYERS} results: {:.3} ms",
        millis(setup),
        millis(game_over)
    );
}

/// Reads `FRAMES` from the environment, with the default and minimum above.
fn frame_count() -> usize {
    match std::env::var("FRAMES") {
        Ok(value) => {
            let frames: usize = value
                .parse()
                .unwrap_or_else(|_| panic!("invalid FRAMES={value}; give a whole number"));
            frames.max(MIN_FRAMES)
        }
        Err(_) => DEFAULT_FRAMES,
    }
}

#[derive(Debug, Clone, Copy)]
enum Screen {
    /// The lobby while the 10,000 joins arrive, spread evenly over the frames.
    Lobby,
    /// An open question while 10,000 answer counts and leaderboards arrive, spread evenly.
    Question,
    /// The closed question; no events arrive between frames.
    Reveal,
    /// The final standings of 10,000 players; no events arrive between frames.
    Podium,
}

impl Screen {
    fn name(self) -> &'static str {
        match self {
            Screen::Lobby => "lobby+QR",
            Screen::Question => "question",
            Screen::Reveal => "reveal",
            Screen::Podium => "podium",
        }
    }
}

struct FrameTimes {
    events_per_frame: String,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// Draws `frames` frames of `screen` at `width` x `height` and returns the frame time
/// percentiles.
fn measure(screen: Screen, width: u16, height: u16, frames: usize) -> FrameTimes {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    let started = Instant::now();
    let mut state = match screen {
        Screen::Lobby => listening(),
        Screen::Question => question_open(started),
        Screen::Reveal => question_closed(started),
        Screen::Podium => game_over(started),
    };
    let events = match screen {
        Screen::Lobby => join_events(),
        Screen::Question => answer_events(),
        Screen::Reveal | Screen::Podium => Vec::new(),
    };
    let events_per_frame = match screen {
        Screen::Lobby => format!("{} joins", per_frame_label(PLAYERS, frames)),
        Screen::Question => format!("{} answers", per_frame_label(PLAYERS, frames)),
        Screen::Reveal | Screen::Podium => "none".to_string(),
    };

    let mut events = events.into_iter();
    let mut times = Vec::with_capacity(frames);
    // One draw before timing, so the first timed frame diffs against a full buffer as every
    // later frame of a running TUI does.
    draw(&mut terminal, &state);
    for frame in 0..frames {
        // Spread the events so that the last frame has applied all of them.
        let due = batch_size(events.len(), frames - frame);
        let start = Instant::now();
        for event in events.by_ref().take(due) {
            state.apply(event);
        }
        draw(&mut terminal, &state);
        times.push(start.elapsed());
    }
    assert!(events.next().is_none(), "every event was applied");
    check_final_state(screen, &state);
    if let Screen::Lobby = screen {
        assert!(
            shows_qr_code(terminal.backend().buffer()),
            "the lobby at {width}x{height} draws no QR code"
        );
    }

    times.sort_unstable();
    FrameTimes {
        events_per_frame,
        p50: nearest_rank(&times, 50.0),
        p99: nearest_rank(&times, 99.0),
        max: *times.last().expect("at least one frame"),
    }
}

/// Returns how many of the `remaining` events the next of `frames_left` frames applies.
fn batch_size(remaining: usize, frames_left: usize) -> usize {
    remaining.div_ceil(frames_left)
}

/// Returns "5" or "5-6" for `events` spread over `frames`.
fn per_frame_label(events: usize, frames: usize) -> String {
    let low = events / frames;
    let high = events.div_ceil(frames);
    if low == high {
        low.to_string()
    } else {
        format!("{low}-{high}")
    }
}

fn draw(terminal: &mut Terminal<TestBackend>, state: &HostState) {
    terminal
        .draw(|frame| {
            let view = HostView {
                state,
                now: Instant::now(),
            };
            frame.render_widget(view, frame.area());
        })
        .expect("draw into the test backend");
    black_box(terminal.backend().buffer());
}

/// Checks that the case drew what it claims, so a change to the state machine cannot turn the
/// bench into a measurement of an empty screen.
fn check_final_state(screen: Screen, state: &HostState) {
    match (screen, &state.phase) {
        (Screen::Lobby, Phase::Lobby) => assert_eq!(state.lobby.players, PLAYERS),
        (Screen::Question, Phase::Question(open)) => assert_eq!(open.answered, PLAYERS),
        (Screen::Reveal, Phase::Reveal(reveal)) => assert_eq!(reveal.answered, PLAYERS),
        (Screen::Podium, Phase::Podium(podium)) => assert_eq!(podium.players, PLAYERS),
        (screen, phase) => panic!("{screen:?} case ended on the wrong phase: {phase:?}"),
    }
}

/// Returns whether `buffer` contains the half-block characters the QR code is drawn with.
fn shows_qr_code(buffer: &Buffer) -> bool {
    buffer
        .content()
        .iter()
        .filter(|cell| matches!(cell.symbol(), "▀" | "▄" | "█"))
        .count()
        > 100
}

/// Nearest-rank percentile of sorted `times`.
fn nearest_rank(times: &[Duration], percent: f64) -> Duration {
    let index = ((percent / 100.0) * times.len() as f64).ceil() as usize;
    times[index.clamp(1, times.len()) - 1]
}

fn millis(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1000.0
}

/// Times building the lobby with every join in one batch and applying the final results.
fn measure_bulk_applies() -> (Duration, Duration) {
    let start = Instant::now();
    let mut state = listening();
    for event in join_events() {
        state.apply(event);
    }
    let setup = start.elapsed();
    let results = HostEvent::GameOver {
        results: standings(PLAYERS),
    };
    let start = Instant::now();
    state.apply(results);
    (setup, start.elapsed())
}

fn listening() -> HostState {
    let mut state = HostState::default();
    // A join URL as long as a LAN address with a port and a 4-character code.
    state.apply(HostEvent::Listening {
        join_url: "http://192.168.100.200:7878/join/K7Q2".into(),
        code: "K7Q2".into(),
        title: "Friday quiz".into(),
        questions: 3,
        admin_key: Some("3f9c2a7d51e04b86a1d7c0e9f2b4a6d8".into()),
    });
    state
}

fn join_events() -> Vec<HostEvent> {
    (1..=PLAYERS)
        .map(|number| HostEvent::PlayerJoined {
            name: format!("bot{number}"),
            players: number,
        })
        .collect()
}

/// Returns 10,000 `AnswerReceived` events, each followed by a new top 5. That is the worst case
/// for the screen: the game actor sends both at most every 100 ms, so a real flood of 10,000
/// answers in one second brings about 10 of each.
fn answer_events() -> Vec<HostEvent> {
    (1..=PLAYERS)
        .flat_map(|answered| {
            [
                HostEvent::AnswerReceived {
                    answered,
                    connected: PLAYERS,
                },
                HostEvent::Leaderboard {
                    top: top_five(answered),
                },
            ]
        })
        .collect()
}

fn lobby_full() -> HostState {
    let mut state = listening();
    for event in join_events() {
        state.apply(event);
    }
    state
}

fn question_info() -> QuestionInfo {
    QuestionInfo {
        index: 0,
        total: 3,
        text: "Which protocol upgrades an HTTP connection to a full-duplex channel?".into(),
        options: vec![
            "WebSocket".into(),
            "FTP".into(),
            "SMTP".into(),
            "DNS".into(),
        ],
        time_limit_secs: 10,
        points: 1000,
    }
}

fn question_open(now: Instant) -> HostState {
    let mut state = lobby_full();
    state.apply(HostEvent::QuestionStarted {
        question: question_info(),
        deadline: now + Duration::from_secs(10),
        connected: PLAYERS,
    });
    state
}

fn question_closed(now: Instant) -> HostState {
    let mut state = question_open(now);
    for event in answer_events() {
        state.apply(event);
    }
    state.apply(HostEvent::QuestionClosed {
        index: 0,
        correct: vec![0],
        counts: vec![6_100, 1_900, 1_200, 800],
        answered: PLAYERS,
        top: top_five(PLAYERS),
        more: true,
    });
    state
}

fn game_over(now: Instant) -> HostState {
    let mut state = question_closed(now);
    state.apply(HostEvent::GameOver {
        results: standings(PLAYERS),
    });
    state
}

/// Returns a top 5 that changes with `answered`, so every frame has different names and scores to draw.
fn top_five(answered: usize) -> Vec<Standing> {
    (0..5)
        .map(|place| Standing {
            rank: place as u32 + 1,
            name: format!("bot{}", (answered * 7 + place * 1_311) % PLAYERS),
            score: 1_000 - place as u64 * 13 - (answered % 97) as u64,
            correct: 1,
        })
        .collect()
}

fn standings(players: usize) -> Vec<Standing> {
    (0..players)
        .map(|place| Standing {
            rank: place as u32 + 1,
            name: format!("bot{place}"),
            score: 3_000u64.saturating_sub(place as u64 / 4),
            correct: 3,
        })
        .collect()
}
