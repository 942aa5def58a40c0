//! Question banks: the file format, its validation, and the bundled default bank.
//!
//! A bank is TOML or JSON with the same schema:
//!
//! ```toml
//! title = "Cloud basics"
//! time_limit = 20      # optional default, seconds
//! points = 1000        # optional default
//!
//! [[questions]]
//! text = "Which protocol upgrades an HTTP connection to a full-duplex channel?"
//! options = ["WebSocket", "FTP", "SMTP", "DNS"]
//! correct = 1          # 1-based; a list such as [1, 3] when several options are right
//! time_limit = 15      # optional, overrides the default
//! points = 2000        # optional, overrides the default
//! ```

use std::path::Path;

use serde::Deserialize;

/// Default time limit of a question, in seconds, when the bank sets none.
pub const DEFAULT_TIME_LIMIT_SECS: u32 = 20;
/// Default points of a question when the bank sets none.
pub const DEFAULT_POINTS: u32 = 1000;
/// Shortest allowed time limit, in seconds.
pub const MIN_TIME_LIMIT_SECS: u32 = 5;
/// Longest allowed time limit, in seconds.
pub const MAX_TIME_LIMIT_SECS: u32 = 240;
/// Minimum number of options a question may have.
pub const MIN_OPTIONS: usize = 2;
/// Most options a question may have.
pub const MAX_OPTIONS: usize = 6;
/// Maximum question text length, in characters, because longer text does not fit a projected
/// screen.
pub const MAX_TEXT_CHARS: usize = 500;
/// Maximum option text length, in characters.
pub const MAX_OPTION_CHARS: usize = 150;
/// Largest points value accepted; larger values are certainly typos and would overflow scores.
pub const MAX_POINTS: u32 = 100_000;

/// Name under which the bundled bank appears in messages.
pub const BUNDLED_NAME: &str = "questions/default.toml (bundled)";
const BUNDLED_TEXT: &str = include_str!("../questions/default.toml");

/// A validated question bank. It serializes to JSON for the database's snapshot of the bank a
/// game was played with.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Bank {
    pub title: String,
    pub questions: Vec<Question>,
}

/// A validated question. `correct` contains 0-based option indexes, sorted and unique.
#[derive(Debug, Clone, PartialEq, serde::Serialize, Deserialize)]
pub struct Question {
    pub text: String,
    pub options: Vec<String>,
    pub correct: Vec<usize>,
    pub time_limit_secs: u32,
    pub points: u32,
}

impl Question {
    /// Reports whether option `option` (0-based) is a right answer.
    pub fn is_correct(&self, option: usize) -> bool {
        self.correct.contains(&option)
    }
}

/// A failure to load a bank. Every variant names the file.
#[derive(Debug, thiserror::Error)]
pub enum BankError {
    #[error("cannot read question file {file}: {source}")]
    Read {
        file: String,
        source: std::io::Error,
    },
    #[error(
        "question file {file} has an unknown extension; use .toml or .json (both take the same schema)"
    )]
    Extension { file: String },
    #[error("question file {file} is not valid {format}: {message}")]
    Syntax {
        file: String,
        format: &'static str,
        message: String,
    },
    #[error("question file {file}: {message}")]
    Bank { file: String, message: String },
    #[error("question file {file}, question {number}, field `{field}`: {message}")]
    Field {
        file: String,
        number: usize,
        field: &'static str,
        message: String,
    },
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBank {
    title: Option<String>,
    time_limit: Option<i64>,
    points: Option<i64>,
    #[serde(default)]
    questions: Vec<RawQuestion>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    text: Option<String>,
    options: Option<Vec<String>>,
    correct: Option<RawCorrect>,
    time_limit: Option<i64>,
    points: Option<i64>,
}

#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum RawCorrect {
    One(i64),
    Many(Vec<i64>),
}

impl Bank {
    /// Returns the bank compiled into the binary.
    pub fn bundled() -> Bank {
        Bank::parse_toml(BUNDLED_TEXT, BUNDLED_NAME).expect("the bundled question bank is valid")
    }

    /// Reads and validates a `.toml` or `.json` bank from `path`. This reads quizcast's own
    /// schema only; `import::load_files` reads every supported format.
    pub fn load(path: &Path) -> Result<Bank, BankError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| BankError::Read {
            file: file.clone(),
            source,
        })?;
        let extension = path
            .extension()
            .and_then(|e| e.to_str())
            .map(str::to_ascii_lowercase);
        match extension.as_deref() {
            Some("toml") => Bank::parse_toml(&text, &file),
            Some("json") => Bank::parse_json(&text, &file),
            _ => Err(BankError::Extension { file }),
        }
    }

    /// Parses and validates TOML text; `file` names the source in errors.
    pub fn parse_toml(text: &str, file: &str) -> Result<Bank, BankError> {
        let raw: RawBank = toml::from_str(text).map_err(|e| BankError::Syntax {
            file: file.to_string(),
            format: "TOML",
            message: e.to_string().trim_end().to_string(),
        })?;
        raw.validate(file)
    }

    /// Parses and validates JSON text; `file` names the source in errors.
    pub fn parse_json(text: &str, file: &str) -> Result<Bank, BankError> {
        let syntax = |message: String| BankError::Syntax {
            file: file.to_string(),
            format: "JSON",
            message,
        };
        // serde names the private struct when the top level is not an object, so that case
        // gets its own message.
        if text.trim_start().starts_with('[') {
            return Err(syntax(
                "the file is a JSON array; a question file is an object such as \
                 {\"title\": \"Friday quiz\", \"questions\": [...]}"
                    .into(),
            ));
        }
        let raw: RawBank = serde_json::from_str(text).map_err(|e| syntax(e.to_string()))?;
        raw.validate(file)
    }
}

impl RawBank {
    fn validate(self, file: &str) -> Result<Bank, BankError> {
        let bank_error = |message: String| BankError::Bank {
            file: file.to_string(),
            message,
        };
        let title = self.title.unwrap_or_default().trim().to_string();
        if title.is_empty() {
            return Err(bank_error(
                "missing `title`; add a line such as title = \"Friday quiz\"".into(),
            ));
        }
        let time_limit = match self.time_limit {
            None => DEFAULT_TIME_LIMIT_SECS,
            Some(v) => check_time_limit(v).map_err(|m| bank_error(format!("`time_limit`: {m}")))?,
        };
        let points = match self.points {
            None => DEFAULT_POINTS,
            Some(v) => check_points(v).map_err(|m| bank_error(format!("`points`: {m}")))?,
        };
        if self.questions.is_empty() {
            return Err(bank_error(
                "no questions; add at least one [[questions]] table".into(),
            ));
        }
        let questions = self
            .questions
            .into_iter()
            .enumerate()
            .map(|(i, q)| q.validate(file, i + 1, time_limit, points))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Bank { title, questions })
    }
}

impl RawQuestion {
    fn validate(
        self,
        file: &str,
        number: usize,
        default_time_limit: u32,
        default_points: u32,
    ) -> Result<Question, BankError> {
        let field_error = |field: &'static str, message: String| BankError::Field {
            file: file.to_string(),
            number,
            field,
            message,
        };

        let text = self.text.unwrap_or_default().trim().to_string();
        if text.is_empty() {
            return Err(field_error("text", "missing or empty".into()));
        }
        let length = text.chars().count();
        if length > MAX_TEXT_CHARS {
            return Err(field_error(
                "text",
                format!(
                    "is {length} characters long; shorten it to {MAX_TEXT_CHARS} or fewer so it fits the screen"
                ),
            ));
        }

        let options: Vec<String> = self
            .options
            .ok_or_else(|| field_error("options", "missing; list 2 to 6 answers".into()))?
            .into_iter()
            .map(|o| o.trim().to_string())
            .collect();
        if !(MIN_OPTIONS..=MAX_OPTIONS).contains(&options.len()) {
            return Err(field_error(
                "options",
                format!(
                    "lists {} option(s); a question needs {MIN_OPTIONS} to {MAX_OPTIONS}",
                    options.len()
                ),
            ));
        }
        if let Some(blank) = options.iter().position(|o| o.is_empty()) {
            return Err(field_error(
                "options",
                format!("option {} is empty", blank + 1),
            ));
        }
        if let Some(long) = options
            .iter()
            .position(|o| o.chars().count() > MAX_OPTION_CHARS)
        {
            return Err(field_error(
                "options",
                format!(
                    "option {} is {} characters long; shorten it to {MAX_OPTION_CHARS} or fewer",
                    long + 1,
                    options[long].chars().count()
                ),
            ));
        }

        let correct = check_correct(self.correct, options.len())
            .map_err(|message| field_error("correct", message))?;
        let time_limit_secs = match self.time_limit {
            None => default_time_limit,
            Some(v) => check_time_limit(v).map_err(|m| field_error("time_limit", m))?,
        };
        let points = match self.points {
            None => default_points,
            Some(v) => check_points(v).map_err(|m| field_error("points", m))?,
        };
        Ok(Question {
            text,
            options,
            correct,
            time_limit_secs,
            points,
        })
    }
}

fn check_correct(raw: Option<RawCorrect>, options: usize) -> Result<Vec<usize>, String> {
    let numbers = match raw {
        None => return Err(format!("missing; give the right option as 1 to {options}")),
        Some(RawCorrect::One(n)) => vec![n],
        Some(RawCorrect::Many(list)) => list,
    };
    if numbers.is_empty() {
        return Err("is an empty list; name at least one right option".into());
    }
    let mut correct = Vec::with_capacity(numbers.len());
    for n in numbers {
        if n < 1 || n as u64 > options as u64 {
            return Err(format!(
                "{n} is out of range; options are numbered 1 to {options}"
            ));
        }
        correct.push(n as usize - 1);
    }
    correct.sort_unstable();
    correct.dedup();
    Ok(correct)
}

fn check_time_limit(value: i64) -> Result<u32, String> {
    if (MIN_TIME_LIMIT_SECS as i64..=MAX_TIME_LIMIT_SECS as i64).contains(&value) {
        Ok(value as u32)
    } else {
        Err(format!(
            "{value} seconds is out of range; use {MIN_TIME_LIMIT_SECS} to {MAX_TIME_LIMIT_SECS}"
        ))
    }
}

fn check_points(value: i64) -> Result<u32, String> {
    if (0..=MAX_POINTS as i64).contains(&value) {
        Ok(value as u32)
    } else {
        Err(format!(
            "{value} is out of range; use 0 to {MAX_POINTS} (Kahoot uses 0, 1000 or 2000)"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
title = "Tiny"
time_limit = 10
[[questions]]
text = "Two plus two?"
options = ["3", "4"]
correct = 2
[[questions]]
text = "Pick primes"
options = ["2", "4", "5"]
correct = [3, 1]
points = 2000
time_limit = 30
"#;

    fn error_of(text: &str) -> String {
        Bank::parse_toml(text, "bank.toml").unwrap_err().to_string()
    }

    #[test]
    fn bundled_bank_is_valid() {
        let bank = Bank::bundled();
        assert!(bank.questions.len() >= 10);
    }

    #[test]
    fn toml_defaults_and_overrides() {
        let bank = Bank::parse_toml(GOOD, "bank.toml").unwrap();
        assert_eq!(bank.title, "Tiny");
        assert_eq!(bank.questions[0].correct, vec![1]);
        assert_eq!(bank.questions[0].time_limit_secs, 10);
        assert_eq!(bank.questions[0].points, DEFAULT_POINTS);
        assert_eq!(bank.questions[1].correct, vec![0, 2]);
        assert_eq!(bank.questions[1].points, 2000);
        assert_eq!(bank.questions[1].time_limit_secs, 30);
    }

    #[test]
    fn json_uses_same_schema() {
        let json = r#"{"title":"J","questions":[{"text":"Q","options":["a","b"],"correct":1}]}"#;
        let bank = Bank::parse_json(json, "bank.json").unwrap();
        assert_eq!(bank.questions[0].correct, vec![0]);
    }

    #[test]
    fn correct_out_of_range_names_question_and_field() {
        let text = GOOD.replace("correct = 2", "correct = 3");
        let message = error_of(&text);
        assert!(message.contains("bank.toml"), "{message}");
        assert!(message.contains("question 1"), "{message}");
        assert!(message.contains("`correct`"), "{message}");
        assert!(message.contains("1 to 2"), "{message}");
    }

    #[test]
    fn too_many_options_rejected() {
        let text = GOOD.replace(
            r#"options = ["3", "4"]"#,
            r#"options = ["1","2","3","4","5","6","7"]"#,
        );
        let message = error_of(&text);
        assert!(message.contains("question 1, field `options`"), "{message}");
    }

    #[test]
    fn negative_points_rejected() {
        let message = error_of(&GOOD.replace("points = 2000", "points = -5"));
        assert!(message.contains("question 2, field `points`"), "{message}");
    }

    #[test]
    fn overlong_text_rejected() {
        let long = "x".repeat(MAX_TEXT_CHARS + 1);
        let message = error_of(&GOOD.replace("Two plus two?", &long));
        assert!(message.contains("question 1, field `text`"), "{message}");
        let long_option = "y".repeat(MAX_OPTION_CHARS + 1);
        let message = error_of(&GOOD.replace(r#""3", "4""#, &format!(r#""3", "{long_option}""#)));
        assert!(message.contains("option 2 is 151 characters"), "{message}");
    }

    #[test]
    fn zero_points_allowed() {
        let bank = Bank::parse_toml(&GOOD.replace("points = 2000", "points = 0"), "b").unwrap();
        assert_eq!(bank.questions[1].points, 0);
    }

    #[test]
    fn missing_title_rejected() {
        let message = error_of(&GOOD.replace("title = \"Tiny\"", ""));
        assert!(message.contains("missing `title`"), "{message}");
    }

    #[test]
    fn unknown_field_rejected() {
        let message = error_of(&GOOD.replace("correct = 2", "correct = 2\nanswer = 1"));
        assert!(message.contains("answer"), "{message}");
    }

    #[test]
    fn syntax_error_names_file() {
        let message = error_of("title = ");
        assert!(message.contains("bank.toml is not valid TOML"), "{message}");
    }

    #[test]
    fn unknown_extension_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("bank.yaml");
        std::fs::write(&path, GOOD).unwrap();
        let message = Bank::load(&path).unwrap_err().to_string();
        assert!(message.contains("use .toml or .json"), "{message}");
    }

    #[test]
    fn json_array_gets_a_readable_error() {
        let error = Bank::parse_json("[]", "q.json").unwrap_err().to_string();
        assert!(error.contains("JSON array"), "{error}");
        assert!(!error.contains("RawBank"), "{error}");
    }
}
