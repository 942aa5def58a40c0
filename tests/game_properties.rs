//! Property tests of scoring and the game state machine: random sequences of joins,
//! connections, questions and answers, with the invariants checked after every step.

use std::sync::Arc;
use std::time::{Duration, Instant};

use proptest::prelude::*;
use quizcast::bank::{Bank, Question};
use quizcast::game::{AnswerError, Game, JoinError, Phase, rank_players};
use quizcast::scoring::{STREAK_MAX_BONUS, speed_points, streak_bonus};

/// One step a test game takes.
#[derive(Debug, Clone)]
enum Step {
    /// Joins under one of a few names, chosen by the number.
    Join(u8),
    Connect(u8),
    Disconnect(u8),
    /// Opens the next question after this many ms.
    Open(u16),
    /// Player, question index offset from the open one (0 is the open question), option, and
    /// ms after the previous step.
    Answer(u8, u8, u8, u16),
    Close,
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        2 => any::<u8>().prop_map(Step::Join),
        2 => any::<u8>().prop_map(Step::Connect),
        1 => any::<u8>().prop_map(Step::Disconnect),
        2 => (0u16..5_000).prop_map(Step::Open),
        8 => (any::<u8>(), 0u8..3, 0u8..7, 0u16..8_000)
            .prop_map(|(p, d, o, ms)| Step::Answer(p, d, o, ms)),
        2 => Just(Step::Close),
    ]
}

/// Question settings: option count, 0-based correct options, time limit in s, points.
fn question() -> impl Strategy<Value = Question> {
    (2usize..=6, 5u32..=30, prop_oneof![Just(0u32), 1u32..=2_000])
        .prop_flat_map(|(options, time_limit_secs, points)| {
            let correct = proptest::collection::btree_set(0..options, 1..=options);
            (Just(options), correct, Just(time_limit_secs), Just(points))
        })
        .prop_map(|(options, correct, time_limit_secs, points)| Question {
            text: "Q".into(),
            options: (1..=options).map(|o| format!("option {o}")).collect(),
            correct: correct.into_iter().collect(),
            time_limit_secs,
            points,
        })
}

fn bank() -> impl Strategy<Value = Bank> {
    proptest::collection::vec(question(), 1..5).prop_map(|questions| Bank {
        title: "Property bank".into(),
        questions,
    })
}

/// Checks that `ranks` are competition ranks of `scores`: 1 plus the number of higher scores.
fn assert_ranks_match(scores: &[u64], ranks: &[u32]) {
    assert_eq!(scores.len(), ranks.len());
    for (i, &score) in scores.iter().enumerate() {
        let higher = scores.iter().filter(|&&s| s > score).count() as u32;
        assert_eq!(ranks[i], higher + 1, "player {i} of scores {scores:?}");
    }
}

/// Checks the invariants that hold between any two steps.
fn assert_invariants(game: &Game, previous_scores: &[u64]) {
    let players = game.players();
    let answered = game.answered();
    assert!(
        answered <= players.len(),
        "{answered} answers from {} players",
        players.len()
    );
    assert_eq!(game.counts().iter().sum::<usize>(), answered);
    let connected = players.iter().filter(|p| p.connections > 0).count();
    assert_eq!(game.connected(), connected);

    // An open question closes early once every connected player has answered it, and only
    // after at least one answer.
    let open = matches!(game.phase(), Phase::Open { .. });
    let waiting = (0..players.len())
        .filter(|&i| players[i].connections > 0 && !game.has_answered(i))
        .count();
    assert_eq!(
        game.everyone_answered(),
        open && answered > 0 && waiting == 0,
        "open {open}, {answered} answers, {waiting} connected players without an answer"
    );

    let scores: Vec<u64> = players.iter().map(|p| p.score).collect();
    for (i, (&now, &before)) in scores.iter().zip(previous_scores).enumerate() {
        assert!(
            now >= before,
            "player {i}'s score went from {before} to {now}"
        );
    }
    assert_ranks_match(&scores, &rank_players(players));

    let standings = game.standings();
    assert_eq!(standings.len(), players.len());
    for pair in standings.windows(2) {
        assert!(pair[0].score >= pair[1].score, "{standings:?}");
        assert!(pair[0].rank <= pair[1].rank, "{standings:?}");
    }
    for standing in &standings {
        let higher = scores.iter().filter(|&&s| s > standing.score).count() as u32;
        assert_eq!(standing.rank, higher + 1, "{standings:?}");
    }
}

/// Runs `steps` on a game of `bank`, checking every invariant after each step.
fn run_steps(bank: Bank, steps: Vec<Step>) {
    let bank = Arc::new(bank);
    let mut game = Game::new("PROP".into(), bank.clone());
    let mut now = Instant::now();
    let mut joined = 0u32;
    let mut last_closed: Option<(usize, Vec<usize>, Vec<u64>)> = None;

    for step in steps {
        let previous: Vec<u64> = game.players().iter().map(|p| p.score).collect();
        let count = game.players().len();
        match step {
            Step::Join(n) => {
                // Few distinct names, in both cases, so that some joins collide.
                joined += 1;
                let name = if n % 2 == 0 {
                    format!("p{}", n % 16)
                } else {
                    format!("P{}", n % 16)
                };
                let taken = game
                    .players()
                    .iter()
                    .any(|p| p.name.eq_ignore_ascii_case(&name));
                let result = game.join(&format!("id{joined}"), &name, "t".into());
                match result {
                    Ok(index) => assert_eq!(index, count),
                    Err(JoinError::NameTaken(_)) => assert!(taken, "{name} was free"),
                    Err(other) => panic!("join of {name} failed: {other}"),
                }
                assert_eq!(game.players().len(), count + usize::from(!taken));
            }
            Step::Connect(p) if count > 0 => game.connect(usize::from(p) % count),
            Step::Disconnect(p) if count > 0 => game.disconnect(usize::from(p) % count),
            Step::Open(ms) => {
                now += Duration::from_millis(u64::from(ms));
                let expected = game.next_index();
                assert_eq!(game.open_next(now), expected);
                if expected.is_some() {
                    assert_eq!(game.answered(), 0, "a new question starts with no answers");
                    last_closed = None;
                }
            }
            Step::Answer(p, offset, option, ms) if count > 0 => {
                now += Duration::from_millis(u64::from(ms));
                let player = usize::from(p) % count;
                let open = match game.phase() {
                    Phase::Open { index, .. } => Some(index),
                    _ => None,
                };
                let index =
                    open.or(last_closed.as_ref().map(|c| c.0)).unwrap_or(0) + usize::from(offset);
                let option = usize::from(option);
                let result = game.answer(player, index, option, now);
                check_answer(&game, &bank, open, index, option, result);
            }
            Step::Close => {
                let open = matches!(game.phase(), Phase::Open { .. });
                let closed = game.close();
                assert_eq!(closed.is_some(), open);
                if let Some(closed) = closed {
                    assert_eq!(closed.counts.iter().sum::<usize>(), closed.answered);
                    let answers = closed.results.iter().filter(|r| r.answer.is_some()).count();
                    assert_eq!(answers, closed.answered);
                    let scores: Vec<u64> = closed.results.iter().map(|r| r.score).collect();
                    let ranks: Vec<u32> = closed.results.iter().map(|r| r.rank).collect();
                    assert_ranks_match(&scores, &ranks);
                    last_closed = Some((closed.index, closed.counts, scores));
                }
            }
            _ => {}
        }
        assert_invariants(&game, &previous);

        // A closed question never changes: its counts and the scores stay as they were at the
        // close until the next question opens.
        if let (Some((_, counts, scores)), Phase::Closed { .. }) = (&last_closed, game.phase()) {
            assert_eq!(game.counts(), counts.as_slice());
            let now_scores: Vec<u64> = game.players().iter().map(|p| p.score).collect();
            assert_eq!(&now_scores[..scores.len()], scores.as_slice());
        }
    }
}

/// Checks one answer's verdict against the rules.
fn check_answer(
    game: &Game,
    bank: &Bank,
    open: Option<usize>,
    index: usize,
    option: usize,
    result: Result<quizcast::game::Answer, AnswerError>,
) {
    match result {
        Ok(answer) => {
            assert_eq!(open, Some(index), "only the open question takes answers");
            let question = &bank.questions[index];
            assert!(option < question.options.len());
            assert_eq!(answer.correct, question.is_correct(option));
            let max = u64::from(question.points) + STREAK_MAX_BONUS;
            assert!(answer.points <= max, "{answer:?} over {max}");
            if !answer.correct || question.points == 0 {
                assert_eq!(answer.points, 0, "{answer:?}");
            } else {
                assert!(
                    answer.points >= u64::from(question.points) / 2,
                    "{answer:?}"
                );
            }
            assert!(answer.elapsed <= Duration::from_secs(question.time_limit_secs.into()));
        }
        Err(AnswerError::NotOpen { .. }) => assert_ne!(open, Some(index)),
        Err(AnswerError::Late { .. } | AnswerError::Duplicate { .. }) => {
            assert_eq!(open, Some(index));
        }
        Err(AnswerError::OutOfRange { .. }) => {
            assert!(option >= bank.questions[index].options.len());
        }
        Err(AnswerError::Kicked { .. }) => panic!("no step kicks a player"),
    }
    if let Phase::Open { index: open, .. } = game.phase() {
        assert_eq!(game.counts().len(), bank.questions[open].options.len());
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn game_invariants_hold(bank in bank(), steps in proptest::collection::vec(step(), 0..120)) {
        run_steps(bank, steps);
    }

    #[test]
    fn second_answer_never_counts(
        bank in bank(),
        first in 0usize..6,
        second in 0usize..6,
        gap_ms in 0u64..3_000,
    ) {
        let options = bank.questions[0].options.len();
        let mut game = Game::new("PROP".into(), Arc::new(bank));
        let player = game.join("id", "ann", "t".into()).unwrap();
        game.connect(player);
        let t0 = Instant::now();
        game.open_next(t0).unwrap();
        let first = first % options;
        game.answer(player, 0, first, t0).unwrap();
        let score = game.players()[player].score;
        let again = game.answer(player, 0, second % options, t0 + Duration::from_millis(gap_ms));
        prop_assert_eq!(again, Err(AnswerError::Duplicate { index: 0 }));
        prop_assert_eq!(game.answered(), 1);
        prop_assert_eq!(game.counts()[first], 1);
        prop_assert_eq!(game.players()[player].score, score);
    }

    #[test]
    fn speed_points_within_half_and_full(
        points in 0u32..=100_000,
        elapsed_ms in 0u64..300_000,
        limit_secs in 1u64..=240,
    ) {
        let limit = Duration::from_secs(limit_secs);
        let elapsed = Duration::from_millis(elapsed_ms);
        let earned = speed_points(points, elapsed, limit);
        prop_assert!(earned <= u64::from(points));
        prop_assert!(earned >= u64::from(points) / 2);
    }

    #[test]
    fn faster_answers_never_earn_less(
        points in 0u32..=100_000,
        a_ms in 0u64..240_000,
        b_ms in 0u64..240_000,
        limit_secs in 1u64..=240,
    ) {
        let limit = Duration::from_secs(limit_secs);
        let (fast, slow) = (a_ms.min(b_ms), a_ms.max(b_ms));
        let fast_points = speed_points(points, Duration::from_millis(fast), limit);
        let slow_points = speed_points(points, Duration::from_millis(slow), limit);
        prop_assert!(fast_points >= slow_points, "{fast} ms: {fast_points}, {slow} ms: {slow_points}");
    }

    #[test]
    fn streak_bonus_capped_and_growing(streak in 0u32..1_000) {
        let bonus = streak_bonus(streak);
        prop_assert!(bonus <= STREAK_MAX_BONUS);
        prop_assert!(streak_bonus(streak + 1) >= bonus);
    }
}
