//! Nickname rules: trimmed, in Unicode normalization form C (NFC), 1 to 20 graphemes, no
//! control characters, no bidirectional overrides or line separators, and at least one visible
//! character.
//!
//! Uniqueness is per game and ignores case; [`key`] gives the comparison key. Because names are
//! stored in NFC, an "é" typed as one code point and as "e" plus a combining accent (NFD) are
//! the same name. A taken name is
//! rejected with 409 Conflict rather than renamed, so a player always plays under the name they
//! typed.

use unicode_normalization::UnicodeNormalization;
use unicode_segmentation::UnicodeSegmentation;

/// Most graphemes a nickname may have.
pub const MAX_GRAPHEMES: usize = 20;

/// Why a nickname was rejected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NicknameError {
    #[error("nickname is empty; type 1 to {MAX_GRAPHEMES} characters")]
    Empty,
    // Rejected names are not echoed where they could reorder or hide the message around them.
    #[error("nickname \"{0}\" is too long; use at most {MAX_GRAPHEMES} characters")]
    TooLong(String),
    #[error(
        "the nickname contains the control or text-direction character U+{:04X}; remove it and use letters, digits and symbols",
        u32::from(*character)
    )]
    Control { name: String, character: char },
    #[error("the nickname has no visible character; use letters, digits and symbols")]
    Invisible(String),
}

/// Validates `raw` and returns the trimmed nickname in NFC.
pub fn validate(raw: &str) -> Result<String, NicknameError> {
    let normalized: String = raw.trim().nfc().collect();
    let name = normalized.as_str();
    if name.is_empty() {
        return Err(NicknameError::Empty);
    }
    if let Some(character) = name
        .chars()
        .find(|&c| c.is_control() || is_layout_control(c))
    {
        return Err(NicknameError::Control {
            name: name.to_string(),
            character,
        });
    }
    if name.chars().all(is_invisible) {
        return Err(NicknameError::Invisible(name.to_string()));
    }
    if name.graphemes(true).count() > MAX_GRAPHEMES {
        return Err(NicknameError::TooLong(name.to_string()));
    }
    Ok(name.to_string())
}

/// Reports whether `c` reorders or breaks the text around it: bidirectional embeddings,
/// overrides, isolates and marks, and the line and paragraph separators. In a nickname these
/// would garble leaderboards and podiums.
fn is_layout_control(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
}

/// Reports whether `c` shows nothing on its own: whitespace, zero-width characters, the soft
/// hyphen, variation selectors and similar format characters. Joiners are allowed inside a
/// name (emoji sequences need them) but a name of nothing else is rejected.
fn is_invisible(c: char) -> bool {
    c.is_whitespace()
        || matches!(
            c,
            '\u{00AD}'
                | '\u{034F}'
                | '\u{115F}'
                | '\u{1160}'
                | '\u{180E}'
                | '\u{200B}'..='\u{200D}'
                | '\u{2060}'..='\u{2064}'
                | '\u{3164}'
                | '\u{FE00}'..='\u{FE0F}'
                | '\u{FEFF}'
                | '\u{FFA0}'
        )
}

/// Returns the key under which two nicknames count as the same: lower-cased and in NFC.
///
/// Normalization runs again after lower-casing, because lower-casing can leave a sequence that
/// NFC composes further (an upper-case Greek vowel with accents and a combining ypogegrammeni).
pub fn key(name: &str) -> String {
    let composed: String = name.nfc().collect();
    composed.to_lowercase().nfc().collect()
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
            Err(NicknameError::Control { .. })
        ));
        assert!(matches!(
            validate("a\u{1b}[31mb"),
            Err(NicknameError::Control { .. })
        ));
    }

    #[test]
    fn rejects_invisible_names() {
        for name in ["\u{200B}", "\u{200D}\u{200D}", "\u{3164}"] {
            assert!(
                matches!(validate(name), Err(NicknameError::Invisible(_))),
                "{name:?}"
            );
        }
    }

    #[test]
    fn rejects_bidi_overrides_and_separators() {
        for name in ["\u{202E}evil", "a\u{2028}b", "x\u{2066}y"] {
            assert!(
                matches!(validate(name), Err(NicknameError::Control { .. })),
                "{name:?}"
            );
        }
    }

    #[test]
    fn keeps_emoji_with_joiners() {
        assert_eq!(validate("👩‍💻 Ada").unwrap(), "👩‍💻 Ada");
    }

    #[test]
    fn control_error_names_character() {
        let error = validate("\u{202E}evil").unwrap_err();
        assert_eq!(
            error,
            NicknameError::Control {
                name: "\u{202E}evil".into(),
                character: '\u{202E}'
            }
        );
        assert!(error.to_string().contains("U+202E"), "{error}");
    }

    #[test]
    fn normalizes_to_nfc() {
        let nfd = "Rene\u{0301}";
        assert_eq!(validate(nfd).unwrap(), "Ren\u{00E9}");
        assert_eq!(key(nfd), key("REN\u{00C9}"));
    }

    #[test]
    fn key_is_its_own_key() {
        // Lower-casing this name leaves U+0345 after an accented eta, which NFC then composes.
        let name = "C\u{309}\u{389}\u{31d}\u{301}\u{301}\u{305}\u{345}=\u{305}=";
        let key = key(name);
        assert_eq!(super::key(&key), key);
    }

    #[test]
    fn key_ignores_case() {
        assert_eq!(key("ÅDA"), key("åda"));
    }
}
