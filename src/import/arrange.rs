//! The host's play order options: shuffling questions and options, a question limit and one
//! time limit for every question.

use rand::seq::SliceRandom;

use crate::bank::Bank;

/// Reordering and trimming that the host applies to a bank before the game. The arranged bank is what the
/// database stores, so `--resume` plays the same order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PlayOrder {
    pub shuffle_questions: bool,
    /// Shuffles each question's options, except True/False and Yes/No pairs, which keep their
    /// order.
    pub shuffle_options: bool,
    /// Plays only the first N questions, after shuffling.
    pub limit: Option<usize>,
    /// Time limit in seconds for every question, replacing the file's.
    pub time_limit: Option<u32>,
}

/// Applies `order` to `bank`, keeping each question's correct options marked.
pub fn arrange<R: rand::Rng + ?Sized>(bank: &mut Bank, order: &PlayOrder, rng: &mut R) {
    if order.shuffle_questions {
        bank.questions.shuffle(rng);
    }
    if let Some(limit) = order.limit {
        bank.questions.truncate(limit.max(1));
    }
    for question in &mut bank.questions {
        if order.shuffle_options && !is_fixed_pair(&question.options) {
            let mut permutation: Vec<usize> = (0..question.options.len()).collect();
            permutation.shuffle(rng);
            question.options = permutation
                .iter()
                .map(|&old| question.options[old].clone())
                .collect();
            let mut correct: Vec<usize> = permutation
                .iter()
                .enumerate()
                .filter(|(_, old)| question.correct.contains(old))
                .map(|(new, _)| new)
                .collect();
            correct.sort_unstable();
            question.correct = correct;
        }
        if let Some(secs) = order.time_limit {
            question.time_limit_secs = secs;
        }
    }
}

/// Returns whether the options are True and False, or Yes and No, in that order, which players
/// expect to stay.
fn is_fixed_pair(options: &[String]) -> bool {
    let pair = |first: &str, second: &str| matches!(options, [a, b] if a.eq_ignore_ascii_case(first) && b.eq_ignore_ascii_case(second));
    pair("true", "false") || pair("yes", "no")
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;
    use crate::bank::Question;

    fn question(text: &str, options: &[&str], correct: &[usize]) -> Question {
        Question {
            text: text.into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            correct: correct.to_vec(),
            time_limit_secs: 20,
            points: 1000,
        }
    }

    fn bank() -> Bank {
        Bank {
            title: "T".into(),
            questions: (0..20)
                .map(|i| question(&format!("Q{i}"), &["a", "b", "c", "d", "e"], &[1, 3]))
                .chain([question("TF", &["True", "False"], &[1])])
                .collect(),
        }
    }

    #[test]
    fn shuffled_options_keep_correct_marked() {
        let mut shuffled = bank();
        let order = PlayOrder {
            shuffle_options: true,
            ..PlayOrder::default()
        };
        arrange(&mut shuffled, &order, &mut StdRng::seed_from_u64(7));
        let mut moved = false;
        for question in &shuffled.questions[..20] {
            let right: Vec<&str> = question
                .correct
                .iter()
                .map(|&i| question.options[i].as_str())
                .collect();
            assert_eq!(right.len(), 2);
            assert!(right.contains(&"b"), "{question:?}");
            assert!(right.contains(&"d"), "{question:?}");
            moved |= question.options != ["a", "b", "c", "d", "e"];
        }
        assert!(moved, "no question had its options reordered");
    }

    #[test]
    fn true_false_keeps_order() {
        let mut shuffled = bank();
        let order = PlayOrder {
            shuffle_options: true,
            ..PlayOrder::default()
        };
        for seed in 0..8 {
            arrange(&mut shuffled, &order, &mut StdRng::seed_from_u64(seed));
            let tf = shuffled.questions.last().unwrap();
            assert_eq!(tf.options, ["True", "False"]);
            assert_eq!(tf.correct, [1]);
        }
    }

    #[test]
    fn yes_no_keeps_order() {
        let mut arranged = bank();
        arranged
            .questions
            .push(question("YN", &["Yes", "No"], &[1]));
        let order = PlayOrder {
            shuffle_options: true,
            ..PlayOrder::default()
        };
        for seed in 0..8 {
            arrange(&mut arranged, &order, &mut StdRng::seed_from_u64(seed));
            let yes_no = arranged.questions.iter().find(|q| q.text == "YN").unwrap();
            assert_eq!(yes_no.options, ["Yes", "No"]);
            assert_eq!(yes_no.correct, [1]);
        }
    }

    #[test]
    fn limit_applies_after_shuffle() {
        let mut arranged = bank();
        let order = PlayOrder {
            shuffle_questions: true,
            limit: Some(5),
            time_limit: Some(7),
            ..PlayOrder::default()
        };
        arrange(&mut arranged, &order, &mut StdRng::seed_from_u64(3));
        assert_eq!(arranged.questions.len(), 5);
        assert!(arranged.questions.iter().all(|q| q.time_limit_secs == 7));
        let texts: Vec<&str> = arranged.questions.iter().map(|q| q.text.as_str()).collect();
        assert_ne!(texts, ["Q0", "Q1", "Q2", "Q3", "Q4"]);
    }
}
