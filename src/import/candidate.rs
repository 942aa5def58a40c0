//! A question as a format's parser found it, and the checks that make it a playable
//! [`Question`].

use unicode_segmentation::UnicodeSegmentation;

use super::report::{Location, Note};
use super::text;
use crate::bank::{
    self, DEFAULT_POINTS, DEFAULT_TIME_LIMIT_SECS, MAX_OPTION_CHARS, MAX_OPTIONS, MAX_POINTS,
    MAX_TEXT_CHARS, MAX_TIME_LIMIT_SECS, MIN_OPTIONS, MIN_TIME_LIMIT_SECS, Question,
};

/// A question read from a file, not yet checked against the bank's limits. Texts are raw
/// (after format-specific decoding) and are cleaned by [`validate`].
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub location: Location,
    pub text: String,
    pub options: Vec<String>,
    /// 0-based indexes of the right options.
    pub correct: Vec<usize>,
    /// Time limit in seconds; the bank default when `None`.
    pub time_limit: Option<u32>,
    pub points: Option<u32>,
}

/// Checks `candidate` against the bank's limits. Returns the reason when the question cannot
/// be played, and adds a warning when a value was changed to fit.
pub fn validate(candidate: Candidate, warnings: &mut Vec<Note>) -> Result<Question, String> {
    let location = candidate.location;
    let text = text::clean(&candidate.text);
    if text.is_empty() {
        return Err("the question text is empty".into());
    }
    let label = short(&text);
    let length = text.chars().count();
    if length > MAX_TEXT_CHARS {
        return Err(format!(
            "question \"{label}\": the text is {length} characters long; shorten it to {MAX_TEXT_CHARS} or fewer"
        ));
    }

    let options: Vec<String> = candidate.options.iter().map(|o| text::clean(o)).collect();
    if options.len() < MIN_OPTIONS {
        return Err(format!(
            "question \"{label}\": it has {} option(s); a question needs at least {MIN_OPTIONS}, so add {}",
            options.len(),
            MIN_OPTIONS - options.len()
        ));
    }
    if options.len() > MAX_OPTIONS {
        return Err(format!(
            "question \"{label}\": it has {} options; a question has at most {MAX_OPTIONS}, so remove {}",
            options.len(),
            options.len() - MAX_OPTIONS
        ));
    }
    if let Some(blank) = options.iter().position(String::is_empty) {
        return Err(format!(
            "question \"{label}\": option {} is empty",
            blank + 1
        ));
    }
    if let Some(long) = options
        .iter()
        .position(|o| o.chars().count() > MAX_OPTION_CHARS)
    {
        return Err(format!(
            "question \"{label}\": option {} is {} characters long; shorten it to {MAX_OPTION_CHARS} or fewer",
            long + 1,
            options[long].chars().count()
        ));
    }

    let mut correct = candidate.correct;
    correct.sort_unstable();
    correct.dedup();
    if correct.is_empty() {
        return Err(format!("question \"{label}\": no option is marked correct"));
    }
    if let Some(&out) = correct.iter().find(|&&c| c >= options.len()) {
        return Err(format!(
            "question \"{label}\": correct option {} does not exist; options are numbered 1 to {}",
            out + 1,
            options.len()
        ));
    }

    if let Some((first, second)) = duplicate(&options) {
        warnings.push(Note::new(
            location,
            format!(
                "question \"{label}\": options {} and {} are both \"{}\"; players cannot tell them apart",
                first + 1,
                second + 1,
                options[first]
            ),
        ));
    }

    let time_limit_secs = fit_time_limit(candidate.time_limit, location, &label, warnings);
    let points = match candidate.points {
        Some(p) if p > MAX_POINTS => {
            warnings.push(Note::new(
                location,
                format!(
                    "question \"{label}\": {p} points is above {MAX_POINTS}; using {MAX_POINTS}"
                ),
            ));
            MAX_POINTS
        }
        Some(p) => p,
        None => DEFAULT_POINTS,
    };
    Ok(bank::Question {
        text,
        options,
        correct,
        time_limit_secs,
        points,
    })
}

/// Returns the positions of the first two options with the same text.
fn duplicate(options: &[String]) -> Option<(usize, usize)> {
    options.iter().enumerate().find_map(|(second, option)| {
        let first = options[..second].iter().position(|o| o == option)?;
        Some((first, second))
    })
}

/// Clamps a time limit to the range the game plays, with a warning when it had to.
fn fit_time_limit(
    limit: Option<u32>,
    location: Location,
    label: &str,
    warnings: &mut Vec<Note>,
) -> u32 {
    let Some(secs) = limit else {
        return DEFAULT_TIME_LIMIT_SECS;
    };
    let fitted = secs.clamp(MIN_TIME_LIMIT_SECS, MAX_TIME_LIMIT_SECS);
    if fitted != secs {
        warnings.push(Note::new(
            location,
            format!(
                "question \"{label}\": time limit {secs} s is outside {MIN_TIME_LIMIT_SECS} to {MAX_TIME_LIMIT_SECS} s; using {fitted} s"
            ),
        ));
    }
    fitted
}

/// Returns the first words of a question, to name it in messages.
pub fn short(text: &str) -> String {
    const MAX: usize = 40;
    if text.graphemes(true).count() <= MAX {
        return text.to_string();
    }
    let cut: String = text.graphemes(true).take(MAX - 1).collect();
    format!("{}…", cut.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(options: &[&str], correct: &[usize]) -> Candidate {
        Candidate {
            location: Location::Line(3),
            text: "  Which  one?\n".into(),
            options: options.iter().map(|o| o.to_string()).collect(),
            correct: correct.to_vec(),
            time_limit: None,
            points: None,
        }
    }

    #[test]
    fn valid_candidate_cleaned_with_defaults() {
        let question = validate(candidate(&["a", " b "], &[1, 1]), &mut Vec::new()).unwrap();
        assert_eq!(question.text, "Which one?");
        assert_eq!(question.options, ["a", "b"]);
        assert_eq!(question.correct, [1]);
        assert_eq!(question.time_limit_secs, DEFAULT_TIME_LIMIT_SECS);
        assert_eq!(question.points, DEFAULT_POINTS);
    }

    #[test]
    fn option_count_reasons_say_the_fix() {
        let few = validate(candidate(&["a"], &[0]), &mut Vec::new()).unwrap_err();
        assert!(few.ends_with("needs at least 2, so add 1"), "{few}");
        let many = ["1", "2", "3", "4", "5", "6", "7", "8"];
        let too_many = validate(candidate(&many, &[0]), &mut Vec::new()).unwrap_err();
        assert!(too_many.ends_with("at most 6, so remove 2"), "{too_many}");
    }

    #[test]
    fn long_texts_rejected() {
        let mut long = candidate(&["a", "b"], &[0]);
        long.text = "x".repeat(MAX_TEXT_CHARS + 1);
        let reason = validate(long, &mut Vec::new()).unwrap_err();
        assert!(reason.contains("501 characters long"), "{reason}");
        let long_option = "y".repeat(MAX_OPTION_CHARS + 1);
        let reason = validate(candidate(&["a", &long_option], &[0]), &mut Vec::new()).unwrap_err();
        assert!(reason.contains("option 2 is 151 characters"), "{reason}");
    }

    #[test]
    fn correct_must_exist() {
        let none = validate(candidate(&["a", "b"], &[]), &mut Vec::new()).unwrap_err();
        assert!(none.contains("no option is marked correct"), "{none}");
        let out = validate(candidate(&["a", "b"], &[2]), &mut Vec::new()).unwrap_err();
        assert!(out.contains("correct option 3 does not exist"), "{out}");
    }

    #[test]
    fn time_limit_clamped_with_warning() {
        let mut slow = candidate(&["a", "b"], &[0]);
        slow.time_limit = Some(300);
        let mut warnings = Vec::new();
        let question = validate(slow, &mut warnings).unwrap();
        assert_eq!(question.time_limit_secs, MAX_TIME_LIMIT_SECS);
        assert_eq!(warnings.len(), 1);
        assert_eq!(warnings[0].location, Location::Line(3));
        assert!(
            warnings[0]
                .message
                .contains("300 s is outside 5 to 240 s; using 240 s")
        );
    }

    #[test]
    fn short_label_cuts_by_grapheme() {
        let text = "e\u{0301}".repeat(50);
        let label = short(&text);
        assert!(label.ends_with('…'));
        assert_eq!(label.matches('\u{0301}').count(), 39);
    }
}
