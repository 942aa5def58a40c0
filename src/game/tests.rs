use super::*;
use crate::bank::Question;

fn bank(points: &[u32]) -> Arc<Bank> {
    let questions = points
        .iter()
        .map(|&p| Question {
            text: "Q".into(),
            options: vec!["a".into(), "b".into(), "c".into()],
            correct: vec![1],
            time_limit_secs: 20,
            points: p,
        })
        .collect();
    Arc::new(Bank {
        title: "T".into(),
        questions,
    })
}

fn game_with(players: &[&str], points: &[u32]) -> Game {
    let mut game = Game::new("CODE".into(), bank(points));
    for name in players {
        let p = game
            .join(&format!("id-{name}"), name, "tok".into())
            .unwrap();
        game.connect(p);
    }
    game
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

#[test]
fn correct_fast_answer_scores_full_points() {
    let mut game = game_with(&["ann"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    let answer = game.answer(0, 0, 1, t0 + ms(400)).unwrap();
    assert!(answer.correct);
    assert_eq!(answer.points, 1000);
}

#[test]
fn wrong_answer_scores_zero_and_resets_streak() {
    let mut game = game_with(&["ann"], &[1000, 1000, 1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(0, 0, 1, t0).unwrap();
    game.close().unwrap();
    game.open_next(t0).unwrap();
    let second = game.answer(0, 1, 1, t0 + ms(10_000)).unwrap();
    assert_eq!(second.points, 750 + 100, "streak of 2 adds 100");
    game.close().unwrap();
    game.open_next(t0).unwrap();
    let third = game.answer(0, 2, 0, t0).unwrap();
    assert_eq!(third.points, 0);
    assert_eq!(game.players()[0].streak, 0);
    assert_eq!(game.players()[0].score, 1850);
}

#[test]
fn unanswered_question_resets_streak() {
    let mut game = game_with(&["ann"], &[1000, 1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(0, 0, 1, t0).unwrap();
    game.close().unwrap();
    game.open_next(t0).unwrap();
    let closed = game.close().unwrap();
    assert_eq!(closed.results[0].streak, 0);
}

#[test]
fn late_answer_rejected_and_not_scored() {
    let mut game = game_with(&["ann"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    let err = game.answer(0, 0, 1, t0 + ms(20_001)).unwrap_err();
    assert_eq!(
        err,
        AnswerError::Late {
            index: 0,
            late_ms: 1
        }
    );
    assert_eq!(game.answered(), 0);
    assert_eq!(game.players()[0].score, 0);
}

#[test]
fn answer_at_deadline_accepted() {
    let mut game = game_with(&["ann"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    let answer = game.answer(0, 0, 1, t0 + ms(20_000)).unwrap();
    assert_eq!(answer.points, 500);
}

#[test]
fn duplicate_answer_rejected_and_first_kept() {
    let mut game = game_with(&["ann", "bob"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(0, 0, 0, t0).unwrap();
    let err = game.answer(0, 0, 1, t0).unwrap_err();
    assert_eq!(err, AnswerError::Duplicate { index: 0 });
    assert_eq!(game.answered(), 1);
    let closed = game.close().unwrap();
    assert_eq!(closed.counts, vec![1, 0, 0]);
    assert_eq!(closed.results[0].score, 0);
}

#[test]
fn out_of_range_option_rejected() {
    let mut game = game_with(&["ann"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    let err = game.answer(0, 0, 3, t0).unwrap_err();
    assert!(matches!(err, AnswerError::OutOfRange { option: 4, .. }));
    assert_eq!(game.answered(), 0);
}

#[test]
fn answer_to_other_question_rejected() {
    let mut game = game_with(&["ann"], &[1000, 1000]);
    let t0 = Instant::now();
    let err = game.answer(0, 0, 1, t0).unwrap_err();
    assert_eq!(
        err,
        AnswerError::NotOpen {
            index: 0,
            open: None
        }
    );
    game.open_next(t0).unwrap();
    let err = game.answer(0, 1, 1, t0).unwrap_err();
    assert_eq!(
        err,
        AnswerError::NotOpen {
            index: 1,
            open: Some(0)
        }
    );
}

#[test]
fn everyone_answered_counts_connected_only() {
    let mut game = game_with(&["ann", "bob"], &[1000]);
    let absent = game.join("id-cy", "cy", "t".into()).unwrap();
    assert_eq!(absent, 2);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(0, 0, 1, t0).unwrap();
    assert!(!game.everyone_answered());
    game.disconnect(1);
    assert!(game.everyone_answered());
}

#[test]
fn late_joiner_may_answer_open_question() {
    let mut game = game_with(&["ann"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    let late = game.join("id-zed", "zed", "t".into()).unwrap();
    game.connect(late);
    game.answer(0, 0, 1, t0).unwrap();
    assert!(
        !game.everyone_answered(),
        "the late joiner has not answered"
    );
    game.answer(late, 0, 1, t0).unwrap();
    assert!(game.everyone_answered());
}

#[test]
fn nicknames_unique_ignoring_case() {
    let mut game = game_with(&["Ann"], &[1000]);
    let err = game.join("id-2", " ANN ", "t".into()).unwrap_err();
    assert_eq!(err, JoinError::NameTaken("ANN".into()));
    let err = game.join("id-Ann", "other", "t".into()).unwrap_err();
    assert_eq!(err, JoinError::IdTaken("id-Ann".into()));
}

#[test]
fn zero_point_question_keeps_streak() {
    let mut game = game_with(&["ann"], &[1000, 0, 1000]);
    let t0 = Instant::now();
    for index in 0..3 {
        game.open_next(t0).unwrap();
        let option = if index == 1 { 0 } else { 1 };
        game.answer(0, index, option, t0).unwrap();
        game.close().unwrap();
    }
    // Streak 1 after the first, unchanged by the wrong 0-point answer, 2 after the third.
    assert_eq!(game.players()[0].score, 1000 + 1000 + 100);
}

#[test]
fn ties_share_rank() {
    let mut game = game_with(&["ann", "bob", "cy", "dee"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(1, 0, 1, t0).unwrap();
    game.answer(2, 0, 1, t0).unwrap();
    game.answer(3, 0, 1, t0 + ms(10_000)).unwrap();
    let closed = game.close().unwrap();
    let ranks: Vec<u32> = closed.results.iter().map(|r| r.rank).collect();
    assert_eq!(ranks, vec![4, 1, 1, 3]);
    let top: Vec<(u32, String)> = game.top(2).into_iter().map(|s| (s.rank, s.name)).collect();
    assert_eq!(top, vec![(1, "bob".to_string()), (1, "cy".to_string())]);
}

#[test]
fn finish_lists_everyone_best_first() {
    let mut game = game_with(&["ann", "bob"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(1, 0, 1, t0).unwrap();
    game.close().unwrap();
    assert_eq!(game.next_index(), None);
    let results = game.finish();
    assert_eq!(results[0].name, "bob");
    assert_eq!(results[0].correct, 1);
    assert_eq!(results[1].rank, 2);
    assert_eq!(game.join("x", "late", "t".into()), Err(JoinError::GameOver));
}

#[test]
fn kicked_player_cannot_answer_or_rejoin() {
    let mut game = game_with(&["ann", "bob"], &[1000]);
    let t0 = Instant::now();
    assert_eq!(game.kick("id-bob", "spam"), Ok(1));
    game.open_next(t0).unwrap();
    let err = game.answer(1, 0, 1, t0).unwrap_err();
    assert_eq!(err, AnswerError::Kicked { index: 0 });
    let err = game.join("id-bob", "bobby", "t".into()).unwrap_err();
    assert_eq!(
        err,
        JoinError::Kicked {
            id: "id-bob".into(),
            reason: "spam".into()
        }
    );
    assert_eq!(
        game.kick("id-bob", "again"),
        Err(KickError::AlreadyKicked("id-bob".into()))
    );
    assert_eq!(
        game.kick("nobody", "x"),
        Err(KickError::UnknownPlayer("nobody".into()))
    );
}

#[test]
fn kicked_player_leaves_standings() {
    let mut game = game_with(&["ann", "bob", "cy"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(1, 0, 1, t0).unwrap();
    game.answer(2, 0, 1, t0 + ms(10_000)).unwrap();
    game.close().unwrap();
    game.kick("id-bob", "cheating").unwrap();
    let names: Vec<String> = game.standings().into_iter().map(|s| s.name).collect();
    assert_eq!(names, vec!["cy", "ann"]);
    assert_eq!(game.standings()[0].rank, 1, "ranks close the gap");
    assert_eq!(rank_players(game.players()), vec![2, 0, 1]);
    game.finish();
    assert_eq!(game.kick("id-ann", "late"), Err(KickError::GameOver));
}

#[test]
fn kick_stops_waiting_for_player() {
    let mut game = game_with(&["ann", "bob"], &[1000]);
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    game.answer(0, 0, 1, t0).unwrap();
    assert!(!game.everyone_answered(), "bob has not answered");
    game.kick("id-bob", "spam").unwrap();
    assert!(
        game.everyone_answered(),
        "only ann is left and she answered"
    );
    assert_eq!(game.connected(), 1);
    // The kicked player's connection closes after the kick; that must not count twice.
    game.disconnect(1);
    assert_eq!(game.connected(), 1);
}

#[test]
fn kicked_player_connection_not_counted() {
    let mut game = game_with(&["ann"], &[1000]);
    let bob = game.join("id-bob", "bob", "tok-bob".into()).unwrap();
    game.kick("id-bob", "spam").unwrap();
    let t0 = Instant::now();
    game.open_next(t0).unwrap();
    // A connection that authenticated just before the kick may report itself after it.
    game.connect(bob);
    assert_eq!(game.connected(), 1);
    game.answer(0, 0, 1, t0).unwrap();
    assert!(game.everyone_answered());
}
