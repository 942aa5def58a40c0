//! Snapshots of every player screen at 80x24 and at sizes below the minimum, plus style checks
//! where color carries meaning.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::style::Color;

use super::state::PlayerState;
use super::view::PlayerView;
use crate::client::events::PlayerEvent;

const SIZES: [(u16, u16); 3] = [(80, 24), (30, 8), (10, 3)];

fn draw(state: &PlayerState, now: Instant, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).expect("test backend");
    terminal
        .draw(|frame| frame.render_widget(PlayerView { state, now }, frame.area()))
        .expect("draw");
    terminal
}

/// Snapshots `state` at every size in [`SIZES`], named `{name}_{width}x{height}`.
fn assert_screens(name: &str, state: &PlayerState, now: Instant) {
    for (width, height) in SIZES {
        let terminal = draw(state, now, width, height);
        insta::assert_snapshot!(format!("{name}_{width}x{height}"), terminal.backend());
    }
}

fn press(state: &mut PlayerState, code: KeyCode, now: Instant) {
    state.handle_key(KeyEvent::new(code, KeyModifiers::NONE), now);
}

fn lobby() -> PlayerState {
    let mut state = PlayerState::new(Some("Ada"));
    state.apply(PlayerEvent::Joined {
        name: "Ada".into(),
        player_id: "p-1".into(),
        title: "Friday quiz".into(),
        code: "K7Q2".into(),
    });
    state
}

fn question(now: Instant) -> PlayerState {
    let mut state = lobby();
    state.apply(PlayerEvent::Question {
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
        deadline: now + Duration::from_millis(12_300),
        time_limit_secs: 20,
        points: 1000,
    });
    state
}

fn locked_in(now: Instant, option: usize) -> PlayerState {
    let mut state = question(now);
    press(
        &mut state,
        KeyCode::Char(char::from(b'1' + option as u8)),
        now,
    );
    state.apply(PlayerEvent::Answered {
        index: 2,
        option,
        elapsed_ms: 1200,
    });
    state
}

fn result(now: Instant, option: usize) -> PlayerState {
    let mut state = locked_in(now, option);
    let correct = option == 1;
    state.apply(PlayerEvent::QuestionClosed {
        index: 2,
        correct: vec![1],
        counts: vec![4, 11, 2, 1],
    });
    state.apply(PlayerEvent::Result {
        index: 2,
        correct,
        points: if correct { 950 } else { 0 },
        score: if correct { 2950 } else { 2000 },
        rank: if correct { 3 } else { 11 },
        players: 20,
        streak: if correct { 3 } else { 0 },
    });
    state
}

#[test]
fn prompt_with_text() {
    let now = Instant::now();
    let mut state = PlayerState::new(None);
    for c in "Ada L".chars() {
        press(&mut state, KeyCode::Char(c), now);
    }
    assert_screens("prompt", &state, now);
}

#[test]
fn prompt_with_error() {
    let now = Instant::now();
    let mut state = PlayerState::new(None);
    press(&mut state, KeyCode::Enter, now);
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("prompt_empty_80x24", terminal.backend());
}

#[test]
fn connecting_while_retrying() {
    let now = Instant::now();
    let mut state = PlayerState::new(Some("Ada"));
    state.apply(PlayerEvent::Retrying {
        status: 429,
        attempt: 3,
        wait: Duration::from_millis(1400),
    });
    assert_screens("retrying", &state, now);
}

#[test]
fn lobby_after_join() {
    assert_screens("lobby", &lobby(), Instant::now());
}

/// The host sends a standing on every subscription, and the player count in it does not change
/// while more players join, so a score of 0 in the lobby is not shown.
#[test]
fn lobby_hides_zero_standing() {
    let mut state = lobby();
    state.apply(PlayerEvent::Standing {
        score: 0,
        rank: 1,
        players: 1,
        streak: 0,
        answered: None,
    });
    let text = format!("{:?}", draw(&state, Instant::now(), 80, 24).backend());
    assert!(text.contains("Waiting for the host to start"), "{text}");
    assert!(!text.contains("rank 1 of 1"), "{text}");

    state.apply(PlayerEvent::Standing {
        score: 1200,
        rank: 2,
        players: 5,
        streak: 1,
        answered: None,
    });
    let text = format!("{:?}", draw(&state, Instant::now(), 80, 24).backend());
    assert!(text.contains("Score 1200, rank 2 of 5."), "{text}");
}

#[test]
fn question_open() {
    let now = Instant::now();
    let mut state = question(now);
    press(&mut state, KeyCode::Down, now);
    assert_screens("question", &state, now);
}

#[test]
fn question_sending() {
    let now = Instant::now();
    let mut state = question(now);
    press(&mut state, KeyCode::Char('3'), now);
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("sending_80x24", terminal.backend());
}

#[test]
fn question_locked_in() {
    let now = Instant::now();
    assert_screens("locked_in", &locked_in(now, 1), now);
}

#[test]
fn question_rejected() {
    let now = Instant::now();
    let mut state = question(now);
    press(&mut state, KeyCode::Char('1'), now);
    state.apply(PlayerEvent::AnswerRejected {
        index: 2,
        reason: "the question is closed".into(),
    });
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("rejected_80x24", terminal.backend());
}

#[test]
fn result_correct() {
    let now = Instant::now();
    assert_screens("result_correct", &result(now, 1), now);
}

#[test]
fn result_wrong() {
    let now = Instant::now();
    assert_screens("result_wrong", &result(now, 0), now);
}

/// A host restart closes the open question without sending results, then sends each player's
/// standing after the closed question.
#[test]
fn result_after_host_restart() {
    let now = Instant::now();
    let mut state = question(now);
    state.apply(PlayerEvent::QuestionClosed {
        index: 2,
        correct: vec![1],
        counts: vec![0, 1, 0, 0],
    });
    state.apply(PlayerEvent::Standing {
        score: 2000,
        rank: 4,
        players: 9,
        streak: 0,
        answered: None,
    });
    let terminal = draw(&state, now, 80, 24);
    let text = format!("{:?}", terminal.backend());
    assert!(!text.contains("Waiting for your result"), "{text}");
    assert!(text.contains("Score: 2,000"), "{text}");
    assert!(text.contains("Rank: 4th of 9"), "{text}");
    insta::assert_snapshot!("result_after_restart_80x24", terminal.backend());
}

#[test]
fn final_rank() {
    let now = Instant::now();
    let mut state = result(now, 1);
    state.apply(PlayerEvent::GameOver {
        rank: 2,
        score: 4230,
        players: 20,
    });
    assert_screens("final", &state, now);
}

#[test]
fn session_ended_early() {
    let now = Instant::now();
    let mut state = lobby();
    state.end_session();
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("ended_80x24", terminal.backend());
}

/// Finds the first cell whose symbol is `symbol`, as (x, y).
#[test]
fn kicked_with_reason() {
    let mut state = lobby();
    let message =
        crate::protocol::close_message(crate::protocol::CLOSE_KICKED, "spamming the chat");
    state.apply(PlayerEvent::Closed {
        code: crate::protocol::CLOSE_KICKED,
        message,
    });
    state.end_session();
    let terminal = draw(&state, Instant::now(), 80, 24);
    insta::assert_snapshot!("kicked_80x24", terminal.backend());
}

#[test]
fn question_with_announcement() {
    let now = Instant::now();
    let mut state = question(now);
    state.apply(PlayerEvent::Announcement {
        text: "Pizza is here after question 5".into(),
    });
    let terminal = draw(&state, now, 80, 24);
    insta::assert_snapshot!("announcement_80x24", terminal.backend());
}

fn find(buf: &Buffer, symbol: &str) -> Option<(u16, u16)> {
    let area = buf.area;
    (area.top()..area.bottom())
        .flat_map(|y| (area.left()..area.right()).map(move |x| (x, y)))
        .find(|&(x, y)| buf[(x, y)].symbol() == symbol)
}

#[test]
fn question_options_match_host_colors() {
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
fn result_verdict_colors() {
    let now = Instant::now();
    let terminal = draw(&result(now, 1), now, 80, 24);
    let buf = terminal.backend().buffer();
    let check = find(buf, "✓").expect("a check mark");
    assert_eq!(buf[check].fg, Color::Green);

    let terminal = draw(&result(now, 0), now, 80, 24);
    let buf = terminal.backend().buffer();
    let cross = find(buf, "✗").expect("a cross");
    assert_eq!(buf[cross].fg, Color::Red);
}

#[test]
fn no_panic_at_any_size() {
    let now = Instant::now();
    let states = [
        PlayerState::new(None),
        lobby(),
        question(now),
        locked_in(now, 1),
        result(now, 0),
    ];
    for state in &states {
        for width in [0, 1, 2, 10, 39, 40, 41, 80, 200] {
            for height in [0, 1, 2, 3, 11, 12, 13, 24, 60] {
                draw(state, now, width, height);
            }
        }
    }
}
