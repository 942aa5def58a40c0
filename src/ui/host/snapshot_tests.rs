//! Snapshots of every host screen at 80x24 and at sizes below the minimum, plus style checks
//! where color carries meaning.

use std::time::{Duration, Instant};

use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

use super::state::HostState;
use super::view::HostView;
use crate::host::events::{HostEvent, QuestionInfo, Standing};

const SIZES: [(u16, u16); 3] = [(80, 24), (30, 8), (10, 3)];

fn draw(state: &HostState, now: Instant, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| frame.render_widget(HostView { state, now }, frame.area()))
        .expect("draw");
    terminal
}

/// Snapshots `state` at every size in [`SIZES`], named `{name}_{width}x{height}`.
fn assert_screens(name: &str, state: &HostState, now: Instant) {
    for (width, height) in SIZES {
        let terminal = draw(state, now, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

fn standings(names: &[&str]) -> Vec<Standing> {
    names
        .iter()
        .enumerate()
        .map(|(place, name)| Standing {
            rank: place as u32 + 1,
            name: (*name).to_string(),
            score: 4230 - 610 * place as u64,
            correct: 4 - place.min(4) as u32,
        })
        .collect()
}

fn top_five() -> Vec<Standing> {
    standings(&["Ada", "Grace", "Linus", "Margaret Hamilton-Smith", "Ken"])
}

fn lobby(players: usize) -> HostState {
    let mut state = HostState::default();
    state.apply(HostEvent::Listening {
        join_url: "http://192.168.1.20:8080/join/K7Q2".into(),
        code: "K7Q2".into(),
        title: "Friday quiz".into(),
        questions: 10,
        admin_key: Some("3f9c2a7d51e04b86a1d7c0e9f2b4a6d8".into()),
    });
    for number in 1..=players {
        state.apply(HostEvent::PlayerJoined {
            name: format!("player{number}"),
            players: number,
        });
    }
    state
}

fn question_info() -> QuestionInfo {
    QuestionInfo {
        index: 2,
        total: 10,
        text: "Which city has been the capital of Australia since 1913, chosen as a compromise \
               between Sydney and Melbourne?"
            .into(),
        options: vec![
            "Sydney".into(),
            "Canberra".into(),
            "Melbourne".into(),
            "Perth".into(),
        ],
        time_limit_secs: 20,
        points: 1000,
    }
}

fn question(now: Instant) -> HostState {
    let mut state = lobby(20);
    state.apply(HostEvent::QuestionStarted {
        question: question_info(),
        deadline: now + Duration::from_millis(12_300),
        connected: 20,
    });
    state.apply(HostEvent::AnswerReceived {
        answered: 12,
        connected: 20,
    });
    state.apply(HostEvent::Leaderboard { top: top_five() });
    state
}

fn reveal(now: Instant) -> HostState {
    let mut state = question(now);
    state.apply(HostEvent::QuestionClosed {
        index: 2,
        correct: vec![1],
        counts: vec![4, 11, 2, 1],
        answered: 18,
        top: top_five(),
        more: true,
    });
    state
}

fn podium(now: Instant) -> HostState {
    let mut state = reveal(now);
    let mut results = top_five();
    results.extend(standings(&["Bjarne", "Barbara"]));
    state.apply(HostEvent::GameOver { results });
    state
}

#[test]
fn lobby_waiting_for_server() {
    assert_screens("lobby_starting", &HostState::default(), Instant::now());
}

#[test]
fn lobby_with_qr() {
    assert_screens("lobby_qr", &lobby(3), Instant::now());
}

#[test]
fn lobby_with_many_players() {
    assert_screens("lobby_many", &lobby(10_000), Instant::now());
}

#[test]
fn question_with_count_and_leaderboard() {
    let now = Instant::now();
    assert_screens("question", &question(now), now);
}

#[test]
fn question_after_deadline() {
    let now = Instant::now();
    let terminal = draw(&question(now), now + Duration::from_secs(30), 80, 24);
    insta::assert_snapshot!("question_time_up_80x24", terminal.backend());
}

#[test]
fn reveal_with_bars() {
    let now = Instant::now();
    assert_screens("reveal", &reveal(now), now);
}

#[test]
fn reveal_of_last_question() {
    let now = Instant::now();
    let mut state = question(now);
    state.apply(HostEvent::QuestionClosed {
        index: 2,
        correct: vec![1, 2],
        counts: vec![0, 0, 0, 0],
        answered: 0,
        top: vec![],
        more: false,
    });
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("reveal_last_80x24", terminal.backend());
}

#[test]
fn podium_of_top_three() {
    let now = Instant::now();
    assert_screens("podium", &podium(now), now);
}

#[test]
fn podium_of_one_player() {
    let now = Instant::now();
    let mut state = lobby(1);
    state.apply(HostEvent::GameOver {
        results: standings(&["Ada"]),
    });
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("podium_single_80x24", terminal.backend());
}

#[test]
fn confirm_quit_over_question() {
    let now = Instant::now();
    let mut state = question(now);
    state.request_quit();
    assert_screens("confirm_quit", &state, now);
}

#[test]
fn kick_dialog_list_and_confirm() {
    let now = Instant::now();
    let mut state = lobby(3);
    state.open_kick();
    let list = draw(&state, now, 80, 24);
    insta::assert_snapshot!("kick_list_80x24", list.backend());

    let enter = crossterm::event::KeyEvent::from(crossterm::event::KeyCode::Enter);
    state.handle_key(enter, now);
    let confirm = draw(&state, now, 80, 24);
    insta::assert_snapshot!("kick_confirm_80x24", confirm.backend());
}

/// Finds the first cell whose symbol is `symbol`, as (x, y).
fn find(buf: &Buffer, symbol: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == symbol)
}

#[test]
fn lobby_qr_is_black_on_white() {
    let terminal = draw(&lobby(3), Instant::now(), 80, 24);
    let buf = terminal.backend().buffer();
    let (x, y) = find(buf, "█").expect("a full block of the QR code");
    assert_eq!(buf[(x, y)].fg, Color::Black);
    assert_eq!(buf[(x, y)].bg, Color::White);

    // The quiet zone left of that block is white too.
    assert_eq!(buf[(x - 1, y)].bg, Color::White);
}

#[test]
fn reveal_highlights_correct_option() {
    let now = Instant::now();
    let terminal = draw(&reveal(now), now, 80, 24);
    let buf = terminal.backend().buffer();

    let (x, y) = find(buf, "✓").expect("a check mark");
    assert_eq!(buf[(x, y)].fg, Color::Green);
    let shape = &buf[(x + 3, y)];
    assert_eq!(shape.symbol(), "◆", "the check mark sits on option 2");
    assert_eq!(shape.bg, Color::Blue);

    let (x, y) = find(buf, "▲").expect("option 1");
    assert_eq!(buf[(x, y)].bg, Color::Reset, "a wrong option is not filled");
    assert!(buf[(x, y)].modifier.contains(Modifier::DIM));
}

#[test]
fn question_options_are_filled_with_their_color() {
    let now = Instant::now();
    let terminal = draw(&question(now), now, 80, 24);
    let buf = terminal.backend().buffer();
    for (shape, color) in [
        ("▲", Color::Red),
        ("◆", Color::Blue),
        ("●", Color::Yellow),
        ("■", Color::Green),
    ] {
        let cell = find(buf, shape).map(|position| buf[position].clone());
        assert_eq!(cell.map(|cell| cell.bg), Some(color), "option {shape}");
    }
}

#[test]
fn no_panic_at_any_size() {
    let now = Instant::now();
    let states = [
        HostState::default(),
        lobby(50),
        question(now),
        reveal(now),
        podium(now),
    ];
    for state in &states {
        for width in [0, 1, 2, 10, 39, 40, 41, 63, 64, 65, 100] {
            for height in [0, 1, 2, 3, 11, 12, 13, 19, 24, 40] {
                draw(state, now, width, height);
            }
        }
    }
}
