//! Reducer and key tests for the player screen.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::state::{AnswerStatus, PlayerAction, PlayerState, Screen};
use crate::client::events::{PlayerCommand, PlayerEvent};

fn key(code: KeyCode) -> KeyEvent {
    KeyEvent::new(code, KeyModifiers::NONE)
}

fn joined() -> PlayerEvent {
    PlayerEvent::Joined {
        name: "Ada".into(),
        player_id: "p-1".into(),
        title: "Friday quiz".into(),
        code: "K7Q2".into(),
    }
}

fn question(now: Instant) -> PlayerEvent {
    PlayerEvent::Question {
        index: 2,
        total: 10,
        text: "Capital of Australia?".into(),
        options: vec!["Sydney".into(), "Canberra".into(), "Perth".into()],
        deadline: now + Duration::from_secs(20),
        time_limit_secs: 20,
        points: 1000,
    }
}

fn in_question(now: Instant) -> PlayerState {
    let mut state = PlayerState::new(Some("Ada"));
    state.apply(joined());
    state.apply(question(now));
    state
}

fn answer(option: usize) -> Option<PlayerAction> {
    Some(PlayerAction::Send(PlayerCommand::Answer {
        index: 2,
        option,
    }))
}

#[test]
fn screens_follow_events() {
    let now = Instant::now();
    let mut state = PlayerState::new(None);
    assert_eq!(state.screen(), Screen::Prompt);

    let mut state_with_name = PlayerState::new(Some("Ada"));
    assert_eq!(state_with_name.screen(), Screen::Connecting);
    state_with_name.apply(joined());
    assert_eq!(state_with_name.screen(), Screen::Lobby);

    state.connecting = true;
    state.apply(joined());
    state.apply(question(now));
    assert_eq!(state.screen(), Screen::Question);
    state.apply(PlayerEvent::QuestionClosed {
        index: 2,
        correct: vec![1],
        counts: vec![1, 2, 0],
    });
    assert_eq!(state.screen(), Screen::Result);
    state.apply(PlayerEvent::GameOver {
        rank: 2,
        score: 4230,
        players: 20,
    });
    assert_eq!(state.screen(), Screen::Final);
}

#[test]
fn prompt_enter_connects() {
    let mut state = PlayerState::new(None);
    for c in "Ada".chars() {
        state.handle_key(key(KeyCode::Char(c)), Instant::now());
    }
    let action = state.handle_key(key(KeyCode::Enter), Instant::now());
    assert_eq!(action, Some(PlayerAction::Connect("Ada".into())));
    assert_eq!(state.screen(), Screen::Connecting);
}

#[test]
fn digit_answers_at_once() {
    let now = Instant::now();
    let mut state = in_question(now);
    assert_eq!(state.handle_key(key(KeyCode::Char('2')), now), answer(1));
    let round = state.round.as_ref().expect("round");
    assert_eq!(round.answer, AnswerStatus::Sending(1));
}

#[test]
fn digit_past_options_is_ignored() {
    let now = Instant::now();
    let mut state = in_question(now);
    assert_eq!(state.handle_key(key(KeyCode::Char('4')), now), None);
    assert_eq!(state.handle_key(key(KeyCode::Char('0')), now), None);
}

#[test]
fn arrows_and_enter_answer_selection() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.handle_key(key(KeyCode::Down), now);
    state.handle_key(key(KeyCode::Char('j')), now);
    state.handle_key(key(KeyCode::Down), now);
    state.handle_key(key(KeyCode::Char('k')), now);
    assert_eq!(state.handle_key(key(KeyCode::Enter), now), answer(1));
}

#[test]
fn selection_stays_in_range() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.handle_key(key(KeyCode::Up), now);
    assert_eq!(state.round.as_ref().map(|r| r.selected), Some(0));
    for _ in 0..5 {
        state.handle_key(key(KeyCode::Down), now);
    }
    assert_eq!(state.round.as_ref().map(|r| r.selected), Some(2));
}

#[test]
fn second_answer_is_ignored() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.handle_key(key(KeyCode::Char('1')), now);
    assert_eq!(state.handle_key(key(KeyCode::Char('2')), now), None);
    assert_eq!(state.handle_key(key(KeyCode::Enter), now), None);
}

#[test]
fn answer_after_deadline_is_ignored() {
    let now = Instant::now();
    let mut state = in_question(now);
    let late = now + Duration::from_secs(21);
    assert_eq!(state.handle_key(key(KeyCode::Char('1')), late), None);
}

#[test]
fn answered_locks_and_rejected_shows_reason() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.handle_key(key(KeyCode::Char('3')), now);
    state.apply(PlayerEvent::Answered {
        index: 2,
        option: 2,
        elapsed_ms: 900,
    });
    assert_eq!(
        state.round.as_ref().map(|r| r.answer.clone()),
        Some(AnswerStatus::Locked(2))
    );

    state.apply(PlayerEvent::AnswerRejected {
        index: 2,
        reason: "the question is closed".into(),
    });
    assert_eq!(
        state.round.as_ref().map(|r| r.answer.clone()),
        Some(AnswerStatus::Rejected("the question is closed".into()))
    );
}

#[test]
fn events_for_old_question_are_ignored() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.apply(PlayerEvent::Answered {
        index: 1,
        option: 0,
        elapsed_ms: 900,
    });
    state.apply(PlayerEvent::QuestionClosed {
        index: 1,
        correct: vec![0],
        counts: vec![],
    });
    assert_eq!(state.screen(), Screen::Question);
}

#[test]
fn ctrl_c_quits_anywhere() {
    let now = Instant::now();
    let ctrl_c = KeyEvent::new(KeyCode::Char('c'), KeyModifiers::CONTROL);
    let mut prompt = PlayerState::new(None);
    assert_eq!(prompt.handle_key(ctrl_c, now), Some(PlayerAction::Quit));
    let mut state = in_question(now);
    assert_eq!(state.handle_key(ctrl_c, now), Some(PlayerAction::Quit));
}

#[test]
fn q_in_question_is_not_quit() {
    let now = Instant::now();
    let mut state = in_question(now);
    assert_eq!(state.handle_key(key(KeyCode::Char('q')), now), None);
}

#[test]
fn final_screen_exits_on_enter_or_q() {
    let mut state = in_question(Instant::now());
    state.apply(PlayerEvent::GameOver {
        rank: 1,
        score: 10,
        players: 1,
    });
    let now = Instant::now();
    assert_eq!(
        state.handle_key(key(KeyCode::Enter), now),
        Some(PlayerAction::Quit)
    );
    assert_eq!(
        state.handle_key(key(KeyCode::Char('q')), now),
        Some(PlayerAction::Quit)
    );
}

#[test]
fn ended_session_shows_ended() {
    let mut state = in_question(Instant::now());
    state.end_session();
    assert_eq!(state.screen(), Screen::Ended);
}

#[test]
fn prompt_ctrl_keys_edit_not_type() {
    let mut state = PlayerState::new(None);
    let ctrl = |c| KeyEvent::new(KeyCode::Char(c), KeyModifiers::CONTROL);
    for c in "ada lovelace".chars() {
        state.handle_key(key(KeyCode::Char(c)), Instant::now());
    }
    state.handle_key(ctrl('w'), Instant::now());
    assert_eq!(state.nickname.text, "ada ");
    state.handle_key(ctrl('x'), Instant::now());
    assert_eq!(state.nickname.text, "ada ", "other Ctrl keys type nothing");
    state.handle_key(ctrl('u'), Instant::now());
    assert_eq!(state.nickname.text, "");
}

#[test]
fn final_close_ends_with_reason() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.apply(PlayerEvent::Closed {
        code: crate::protocol::CLOSE_KICKED,
        message: "The host removed you from the game: spam.".into(),
    });
    assert_eq!(state.screen(), Screen::Ended);
    assert_eq!(
        state.closed.as_deref(),
        Some("The host removed you from the game: spam.")
    );
    let quit = state.handle_key(key(KeyCode::Char('q')), now);
    assert_eq!(quit, Some(PlayerAction::Quit));
}

#[test]
fn reconnect_keeps_reason() {
    let mut state = PlayerState::new(Some("Ada"));
    state.apply(joined());
    state.apply(PlayerEvent::Reconnecting {
        attempt: 1,
        wait: Duration::from_millis(500),
        reason: "The host closed the connection because it read messages too slowly.".into(),
    });
    let reconnect = state.reconnect.as_ref().expect("reconnect notice");
    assert!(reconnect.reason.contains("too slowly"));
    state.apply(PlayerEvent::Reconnected);
    assert!(state.reconnect.is_none());
}

#[test]
fn announcement_kept_until_replaced() {
    let now = Instant::now();
    let mut state = in_question(now);
    state.apply(PlayerEvent::Announcement {
        text: "Break after question 5".into(),
    });
    assert_eq!(
        state.announcement.as_deref(),
        Some("Break after question 5")
    );
    assert_eq!(state.screen(), Screen::Question, "the screen stays");
    state.apply(PlayerEvent::Announcement {
        text: "Back in 2 minutes".into(),
    });
    assert_eq!(state.announcement.as_deref(), Some("Back in 2 minutes"));
}

#[test]
fn invalid_nickname_stays_at_prompt() {
    let mut state = PlayerState::new(None);
    for c in "Zoe\u{202E}x".chars() {
        state.handle_key(key(KeyCode::Char(c)), Instant::now());
    }
    assert_eq!(state.handle_key(key(KeyCode::Enter), Instant::now()), None);
    assert_eq!(state.screen(), Screen::Prompt);
    let error = state
        .nickname
        .error
        .clone()
        .expect("an error under the field");
    assert!(error.contains("U+202E"), "{error}");
}

#[test]
fn refused_nickname_returns_to_prompt() {
    let mut state = PlayerState::new(None);
    for c in "Ada".chars() {
        state.handle_key(key(KeyCode::Char(c)), Instant::now());
    }
    assert_eq!(
        state.handle_key(key(KeyCode::Enter), Instant::now()),
        Some(PlayerAction::Connect("Ada".into()))
    );
    assert_eq!(state.screen(), Screen::Connecting);
    state.name_refused("Nickname \"Ada\" is taken in this game; choose another".into());
    assert_eq!(state.screen(), Screen::Prompt);
    assert_eq!(state.nickname.text, "Ada", "the typed name stays to edit");
    assert!(state.nickname.error.as_deref().unwrap().contains("taken"));
}
