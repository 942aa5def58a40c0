//! Nickname rules: trimmed, 1 to 20 graphemes, no control characters.
//!
//! Uniqueness is per game and ignores case; [`key`] gives the comparison key. A taken name is
//! rejected with 409 Conflict rather than renamed, so a player always plays under the name they
//! typed.

use unicode_segmentation::UnicodeSegmentation;

/// Most graphemes a nickname may have.
pub const MAX_GRAPHEMES: usize = 20;

/// Why a nickname was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NicknameError {
    #[error("nickname is empty; type 1 to {MAX_GRAPHEMES} characters")]
    Empty,
    #[error("nickname {0:?} is too long; use at most {MAX_GRAPHEMES} characters")]
    TooLong(String),
    #[error("nickname {0:?} contains a control character; use letters, digits and symbols")]
    Control(String),
}

/// Validates `raw` and returns the trimmed nickname.
pub fn validate(raw: &str) -> Result<String, NicknameError> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(NicknameError::Empty);
    }
    if name.chars().any(char::is_control) {
        return Err(NicknameError::Control(name.to_string()));
    }
    if name.graphemes(true).count() > MAX_GRAPHEMES {
        return Err(NicknameError::TooLong(name.to_string()));
    }
    Ok(name.to_string())
}

/// Returns the key under which two nicknames count as the same: lower-cased.
pub fn key(name: &str) -> String {
    name.to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_whitespace() {
        assert_eq!(validate("  Ada \t").unwrap(), "Ada");
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(validate(""), Err(NicknameError::Empty));
        assert_eq!(validate("   "), Err(NicknameError::Empty));
    }

    #[test]
    fn counts_graphemes_not_bytes() {
        // 20 family emoji are 20 graphemes but far more bytes and code points.
        let family = "👨‍👩‍👧".repeat(20);
        assert!(validate(&family).is_ok());
        assert!(matches!(
            validate(&"x".repeat(21)),
            Err(NicknameError::TooLong(_))
        ));
    }

    #[test]
    fn rejects_control_characters() {
        assert!(matches!(
            validate("a\u{7}b"),
            Err(NicknameError::Control(_))
        ));
        assert!(matches!(
            validate("a\u{1b}[31mb"),
            Err(NicknameError::Control(_))
        ));
    }

    #[test]
    fn key_ignores_case() {
        assert_eq!(key("ÅDA"), key("åda"));
    }
}
