//! Checks the fuzz targets run on each input, one function per target.
//!
//! Every function takes raw bytes and feeds them to one decoder or parser of quizcast. It panics
//! only when an invariant of the result breaks, because errors on invalid input are expected. The
//! regression test `tests/fuzz_regressions.rs` includes this file and replays the inputs under
//! `fuzz/regressions/TARGET/` through the same functions, so it must depend on nothing but
//! quizcast and crates quizcast itself depends on.
//!
//! To add a parser: write a function here, add it to [`TARGETS`], and add a file under
//! `fuzz_targets/` and a `[[bin]]` entry in `fuzz/Cargo.toml` that call it.

use quizcast::bank::{self, Bank};
use quizcast::import::{self, Encoding, Format, ImportOptions};
use quizcast::nickname;
use quizcast::protocol::{AnswerEvent, Channel, ClientMessage};
use rand::SeedableRng;
use unicode_normalization::is_nfc;

/// A target's check: runs one input and panics when an invariant breaks.
pub type Check = fn(&[u8]);

/// Each target's name and check function.
pub const TARGETS: &[(&str, Check)] = &[
    ("client_message", client_message),
    ("channel_path", channel_path),
    ("bank_toml", bank_toml),
    ("bank_json", bank_json),
    ("nickname", nickname),
    ("import", import),
];

/// Decodes a client message the way the server's reader does, then checks that it serializes
/// back to the same message and that its channel and answer events decode without panicking.
pub fn client_message(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(message) = serde_json::from_str::<ClientMessage>(text) else {
        return;
    };
    let encoded = serde_json::to_string(&message).expect("a decoded message serializes");
    let decoded: ClientMessage =
        serde_json::from_str(&encoded).expect("a serialized message decodes");
    assert_eq!(decoded, message, "round trip through {encoded}");

    match message {
        ClientMessage::Subscribe { channel, .. } => channel_path(channel.as_bytes()),
        ClientMessage::Publish {
            channel, events, ..
        } => {
            channel_path(channel.as_bytes());
            for event in events {
                if let Ok(answer) = serde_json::from_value::<AnswerEvent>(event) {
                    let again = serde_json::to_value(answer).expect("answers serialize");
                    assert_eq!(
                        serde_json::from_value::<AnswerEvent>(again).ok(),
                        Some(answer)
                    );
                }
            }
        }
        ClientMessage::ConnectionInit { .. } | ClientMessage::Unsubscribe { .. } => {}
    }
}

/// Parses a channel path and checks that a parsed channel's canonical path parses back to
/// the same channel and stays in the `/game/` namespace.
pub fn channel_path(data: &[u8]) {
    let Ok(path) = std::str::from_utf8(data) else {
        return;
    };
    let Some(channel) = Channel::parse(path) else {
        return;
    };
    let canonical = channel.path();
    assert!(canonical.starts_with("/game/"), "{canonical:?}");
    assert_eq!(
        Channel::parse(&canonical).as_ref(),
        Some(&channel),
        "canonical path {canonical:?} of {path:?}"
    );
    // Game codes are case-insensitive: a lower-case code names the same channel.
    if let Channel::Questions { code } = &channel {
        let lower = format!("/game/{}/questions", code.to_ascii_lowercase());
        assert_eq!(Channel::parse(&lower).as_ref(), Some(&channel), "{lower:?}");
    }
}

/// Validates a nickname and checks that an accepted one is trimmed, in NFC, free of control
/// characters, accepted again unchanged, and has a comparison key that is its own key.
pub fn nickname(data: &[u8]) {
    let Ok(raw) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(name) = nickname::validate(raw) else {
        return;
    };
    assert_eq!(name.trim(), name);
    assert!(is_nfc(&name), "{name:?} is not in NFC");
    assert!(!name.chars().any(char::is_control), "{name:?}");
    assert_eq!(nickname::validate(&name).as_ref(), Ok(&name));
    let key = nickname::key(&name);
    assert_eq!(nickname::key(&key), key, "key of {name:?}");
}

/// Parses a TOML question bank and checks a valid bank's invariants.
pub fn bank_toml(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_bank_result(Bank::parse_toml(text, "fuzz.toml"));
}

/// Parses a JSON question bank and checks a valid bank's invariants.
pub fn bank_json(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    check_bank_result(Bank::parse_json(text, "fuzz.json"));
}

/// Formats the `import` target chooses from with an input's first byte; any other value lets
/// the importer detect the format from the content.
const IMPORT_FORMATS: [Format; 7] = [
    Format::Toml,
    Format::Json,
    Format::Opentdb,
    Format::KahootXlsx,
    Format::KahootCsv,
    Format::Gift,
    Format::Aiken,
];

/// Imports the input as a question file: the first byte picks the format (or detection) and
/// the encoding, the rest is the file. Checks that a bank comes back exactly when the report
/// calls the file usable, that the report formats, and that the bank keeps every rule.
pub fn import(data: &[u8]) {
    let Some((&selector, file)) = data.split_first() else {
        return;
    };
    let options = ImportOptions {
        format: IMPORT_FORMATS.get(usize::from(selector & 0x0f)).copied(),
        encoding: if selector & 0x80 == 0 {
            Encoding::Utf8
        } else {
            Encoding::Windows1252
        },
        ..ImportOptions::default()
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(u64::from(selector));
    let (report, parsed) = import::check_bytes("fuzz-input", file, &options, &mut rng);
    assert_eq!(parsed.is_some(), report.is_usable(), "{}", report.to_text());
    assert!(!report.to_text().is_empty());
    if let Some(parsed) = parsed {
        assert_eq!(parsed.questions.len(), report.usable);
        check_bank_result(Ok(parsed));
    }
}

/// Checks what a bank parser returned: an error must format, and a bank must satisfy every
/// rule the parser promises.
fn check_bank_result(result: Result<Bank, bank::BankError>) {
    let parsed = match result {
        Ok(parsed) => parsed,
        Err(error) => {
            assert!(!error.to_string().is_empty());
            return;
        }
    };
    assert!(!parsed.title.is_empty());
    assert_eq!(parsed.title.trim(), parsed.title);
    assert!(!parsed.questions.is_empty());
    for question in &parsed.questions {
        assert!(!question.text.is_empty());
        assert!(question.text.chars().count() <= bank::MAX_TEXT_CHARS);
        assert!((bank::MIN_OPTIONS..=bank::MAX_OPTIONS).contains(&question.options.len()));
        for option in &question.options {
            assert!(!option.is_empty());
            assert!(option.chars().count() <= bank::MAX_OPTION_CHARS);
        }
        assert!(!question.correct.is_empty());
        assert!(question.correct.windows(2).all(|pair| pair[0] < pair[1]));
        assert!(question.correct.iter().all(|&c| c < question.options.len()));
        assert!(
            (bank::MIN_TIME_LIMIT_SECS..=bank::MAX_TIME_LIMIT_SECS)
                .contains(&question.time_limit_secs)
        );
        assert!(question.points <= bank::MAX_POINTS);
    }

    // The database stores a game's bank as JSON and reads it back on resume.
    let stored = serde_json::to_string(&parsed).expect("banks serialize");
    let restored: Bank = serde_json::from_str(&stored).expect("a stored bank reads back");
    assert_eq!(restored, parsed);
}
