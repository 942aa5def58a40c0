//! Reducer and key tests for the host screen.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{HostAction, HostState, MAX_RECENT_NAMES, Phase};
use super::view::HostView;
use crate::host::events::{HostCommand, HostEvent, QuestionInfo, Standing};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn ctrl_c() -> KeyEvent {
    KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL)
}

fn listening() -> HostEvent {
    HostEvent::Listening {
        join_url: "http://192.168.1.20:8080/join/K7Q2".into(),
        code: "K7Q2".into(),
        title: "Capitals".into(),
        questions: 10,
        admin_key: Some("3f9c2a7d51e04b86a1d7c0e9f2b4a6d8".into()),
    }
}

fn question_started(now: Instant) -> HostEvent {
    HostEvent::QuestionStarted {
        question: QuestionInfo {
            index: 2,
            total: 10,
            text: "Capital of France?".into(),
            options: vec!["Paris".into(), "Lyon".into()],
            time_limit_secs: 20,
            points: 1000,
        },
        deadline: now + Duration::from_secs(20),
        connected: 20,
    }
}

fn closed(more: bool) -> HostEvent {
    HostEvent::QuestionClosed {
        index: 2,
        correct: vec![0],
        counts: vec![15, 3],
        answered: 18,
        top: vec![],
        more,
    }
}

fn running_game(now: Instant) -> HostState {
    let mut state = HostState::default();
    state.apply(listening());
    state.apply(question_started(now));
    state
}

#[test]
fn answer_received_updates_count() {
    let now = Instant::now();
    let mut state = running_game(now);
    state.apply(HostEvent::AnswerReceived {
        answered: 12,
        connected: 19,
    });
    let Phase::Question(open) = &state.phase else {
        panic!("expected the question screen, got {:?}", state.phase);
    };
    assert_eq!(open.answered, 12);
    assert_eq!(open.connected, 19);
}

#[test]
fn lobby_keeps_latest_names_and_exact_count() {
    let mut state = HostState::default();
    for number in 1..=10_000 {
        state.apply(HostEvent::PlayerJoined {
            name: format!("player{number}"),
            players: number,
        });
    }
    assert_eq!(state.lobby.players, 10_000);
    assert_eq!(state.lobby.recent_names.len(), MAX_RECENT_NAMES);
    assert_eq!(state.lobby.recent_names[0], "player10000");
}

#[test]
fn q_in_lobby_quits_at_once() {
    let mut state = HostState::default();
    state.apply(listening());
    let action = state.handle_key(key(KeyCode::Char('q')), Instant::now());
    assert_eq!(action, Some(HostAction::Quit));
}

#[test]
fn q_in_running_game_asks_first() {
    let now = Instant::now();
    let mut state = running_game(now);
    assert_eq!(state.handle_key(key(KeyCode::Char('q')), now), None);
    assert!(state.confirming_quit);

    assert_eq!(state.handle_key(key(KeyCode::Char('n')), now), None);
    assert!(!state.confirming_quit);

    state.handle_key(key(KeyCode::Char('q')), now);
    let action = state.handle_key(key(KeyCode::Char('y')), now);
    assert_eq!(action, Some(HostAction::Quit));
}

#[test]
fn enter_while_confirming_does_nothing() {
    let now = Instant::now();
    let mut state = running_game(now);
    state.handle_key(key(KeyCode::Char('q')), now);
    assert_eq!(state.handle_key(key(KeyCode::Enter), now), None);
    assert!(state.confirming_quit);
}

#[test]
fn ctrl_c_acts_like_q_and_twice_quits() {
    let now = Instant::now();
    let mut state = running_game(now);
    assert_eq!(state.handle_key(ctrl_c(), now), None);
    assert!(state.confirming_quit);
    assert_eq!(state.handle_key(ctrl_c(), now), Some(HostAction::Quit));
}

#[test]
fn q_on_podium_quits_at_once() {
    let mut state = running_game(Instant::now());
    state.apply(HostEvent::GameOver { results: vec![] });
    let action = state.handle_key(key(KeyCode::Char('q')), Instant::now());
    assert_eq!(action, Some(HostAction::Quit));
}

#[test]
fn enter_sends_command_per_screen() {
    let now = Instant::now();
    let mut state = HostState::default();
    assert_eq!(
        state.handle_key(key(KeyCode::Enter), now),
        None,
        "not listening yet"
    );

    state.apply(listening());
    let start = state.handle_key(key(KeyCode::Char(' ')), now);
    assert_eq!(start, Some(HostAction::Send(HostCommand::Advance)));

    state.apply(question_started(now));
    let close = state.handle_key(key(KeyCode::Enter), now);
    assert_eq!(close, Some(HostAction::Send(HostCommand::CloseQuestion)));

    state.apply(closed(true));
    let next = state.handle_key(key(KeyCode::Enter), now);
    assert_eq!(next, Some(HostAction::Send(HostCommand::Advance)));

    state.apply(HostEvent::GameOver { results: vec![] });
    assert_eq!(state.handle_key(key(KeyCode::Enter), now), None);
}

#[test]
fn double_enter_sends_once() {
    let now = Instant::now();
    let mut state = running_game(now);
    state.apply(closed(true));
    assert!(state.handle_key(key(KeyCode::Enter), now).is_some());
    let repeat = now + Duration::from_millis(300);
    assert_eq!(state.handle_key(key(KeyCode::Enter), repeat), None);

    let later = now + Duration::from_secs(2);
    let retry = state.handle_key(key(KeyCode::Enter), later);
    assert_eq!(retry, Some(HostAction::Send(HostCommand::Advance)));
}

#[test]
fn question_closed_keeps_question_text() {
    let mut state = running_game(Instant::now());
    state.apply(closed(false));
    let Phase::Reveal(reveal) = &state.phase else {
        panic!("expected the reveal screen, got {:?}", state.phase);
    };
    let question = reveal.question.as_ref().expect("question kept");
    assert_eq!(question.text, "Capital of France?");
    assert_eq!(reveal.correct, vec![0]);
    assert!(!reveal.more);
}

#[test]
fn leaderboard_replaces_top() {
    let mut state = running_game(Instant::now());
    let top = vec![Standing {
        rank: 1,
        name: "Ada".into(),
        score: 950,
        correct: 1,
    }];
    state.apply(HostEvent::Leaderboard { top: top.clone() });
    assert_eq!(state.top, top);
}

#[test]
fn game_over_keeps_top_five_and_count() {
    let mut state = running_game(Instant::now());
    let results = (1..=8)
        .map(|rank| Standing {
            rank,
            name: format!("p{rank}"),
            score: 1000 - u64::from(rank),
            correct: 1,
        })
        .collect();
    state.apply(HostEvent::GameOver { results });
    let Phase::Podium(podium) = &state.phase else {
        panic!("expected the podium, got {:?}", state.phase);
    };
    assert_eq!(podium.top.len(), 5);
    assert_eq!(podium.players, 8);
    assert!(!state.game_running());
}

#[test]
fn store_error_shown_until_replaced() {
    let mut state = HostState::default();
    state.apply(HostEvent::StoreError {
        message: "NOT SAVED: disk full".into(),
    });
    assert_eq!(state.store_error.as_deref(), Some("NOT SAVED: disk full"));
    let area = ratatui::layout::Rect::new(0, 0, 80, 24);
    let mut buf = ratatui::buffer::Buffer::empty(area);
    ratatui::widgets::Widget::render(
        HostView {
            state: &state,
            now: std::time::Instant::now(),
        },
        area,
        &mut buf,
    );
    let header: String = (0..80).map(|x| buf[(x, 0)].symbol().to_string()).collect();
    assert!(header.contains("NOT SAVED: disk full"), "{header}");
    assert_eq!(buf[(1, 0)].bg, ratatui::style::Color::Red);
}

fn lobby_with(names: &[&str]) -> HostState {
    let mut state = HostState::default();
    state.apply(listening());
    for (i, name) in names.iter().enumerate() {
        state.apply(HostEvent::PlayerJoined {
            name: (*name).to_string(),
            players: i + 1,
        });
    }
    state
}

#[test]
fn kick_picks_and_confirms_player() {
    let now = Instant::now();
    let mut state = lobby_with(&["Ann", "Bob", "Cy"]);
    assert_eq!(state.handle_key(key(KeyCode::Char('k')), now), None);
    let dialog = state.kick.as_ref().expect("the dialog opens");
    assert_eq!(dialog.names, vec!["Cy", "Bob", "Ann"]);

    state.handle_key(key(KeyCode::Down), now);
    assert_eq!(state.handle_key(key(KeyCode::Enter), now), None);
    assert!(state.kick.as_ref().unwrap().confirming);

    let action = state.handle_key(key(KeyCode::Char('y')), now);
    let expected = HostCommand::Kick {
        name: "Bob".into(),
        reason: "no reason given".into(),
    };
    assert_eq!(action, Some(HostAction::Send(expected)));
    assert!(state.kick.is_none(), "the dialog closes after a kick");
}

#[test]
fn kick_confirmation_declined() {
    let now = Instant::now();
    let mut state = lobby_with(&["Ann"]);
    state.handle_key(key(KeyCode::Char('k')), now);
    state.handle_key(key(KeyCode::Enter), now);
    assert_eq!(state.handle_key(key(KeyCode::Char('n')), now), None);
    let dialog = state.kick.as_ref().expect("n goes back to the list");
    assert!(!dialog.confirming);
    assert_eq!(state.handle_key(key(KeyCode::Esc), now), None);
    assert!(state.kick.is_none(), "Esc closes the list");
}

#[test]
fn kick_dialog_keeps_enter_from_starting() {
    let now = Instant::now();
    let mut state = lobby_with(&["Ann"]);
    state.handle_key(key(KeyCode::Char('k')), now);
    let action = state.handle_key(key(KeyCode::Enter), now);
    assert_eq!(action, None, "Enter confirms the pick instead of starting");
}

#[test]
fn kick_offered_only_between_questions() {
    let now = Instant::now();
    let mut state = lobby_with(&["Ann"]);
    state.apply(question_started(now));
    state.handle_key(key(KeyCode::Char('k')), now);
    assert!(state.kick.is_none(), "no kick while a question is open");

    state.apply(closed(true));
    state.handle_key(key(KeyCode::Char('k')), now);
    assert!(state.kick.is_some(), "kick between questions");

    state.apply(question_started(now));
    assert!(state.kick.is_none(), "a new question closes the dialog");
}

#[test]
fn kick_without_players_does_nothing() {
    let mut state = lobby_with(&[]);
    state.handle_key(key(KeyCode::Char('k')), Instant::now());
    assert!(state.kick.is_none());
}

#[test]
fn kicked_player_leaves_lobby() {
    let mut state = lobby_with(&["Ann", "Bob"]);
    state.apply(HostEvent::PlayerKicked { name: "Ann".into() });
    assert_eq!(state.lobby.recent_names, vec!["Bob"]);
    assert_eq!(state.lobby.kicked, 1);
}
