//! The nickname text field shown before joining.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use unicode_segmentation::UnicodeSegmentation;

/// Most characters (grapheme clusters) a nickname may have.
pub const MAX_NICKNAME_CHARS: usize = 20;

/// The nickname typed so far and the message about the last rejected submit.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NicknameInput {
    /// The text as typed, untrimmed.
    pub text: String,
    /// The message for the last rejected Enter, cleared by the next edit.
    pub error: Option<String>,
}

/// The result of one key in the nickname field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NicknameKey {
    /// The field changed or the key did nothing.
    Editing,
    /// Enter with a valid nickname, trimmed.
    Submit(String),
    /// Esc: the player gives up before joining.
    Cancel,
}

impl NicknameInput {
    /// Returns the number of characters (grapheme clusters) typed.
    pub fn len(&self) -> usize {
        self.text.graphemes(true).count()
    }

    /// Applies one key press to the field.
    pub fn handle_key(&mut self, key: KeyEvent) -> NicknameKey {
        let control = key.modifiers.contains(KeyModifiers::CONTROL);
        match key.code {
            KeyCode::Enter => return self.submit(),
            KeyCode::Esc => return NicknameKey::Cancel,
            KeyCode::Backspace => self.delete_last(),
            // The usual line-editing keys; other Ctrl combinations are not text.
            KeyCode::Char('u') if control => self.text.clear(),
            KeyCode::Char('w') if control => self.delete_word(),
            KeyCode::Char(_) if control => {}
            KeyCode::Char(c) => self.push(c),
            _ => {}
        }
        NicknameKey::Editing
    }

    fn push(&mut self, c: char) {
        if c.is_control() {
            return;
        }
        let mut longer = self.text.clone();
        longer.push(c);

        // A combining mark joins the last character, so the count is checked after the push.
        if longer.graphemes(true).count() <= MAX_NICKNAME_CHARS {
            self.text = longer;
            self.error = None;
        } else {
            self.error = Some("A nickname has at most 20 characters".into());
        }
    }

    fn delete_word(&mut self) {
        let kept = self.text.trim_end().len();
        self.text.truncate(kept);
        // The word starts after the last whitespace, which may be wider than one byte (U+3000).
        let start = self
            .text
            .char_indices()
            .rev()
            .find(|(_, c)| c.is_whitespace())
            .map_or(0, |(i, c)| i + c.len_utf8());
        self.text.truncate(start);
    }

    fn delete_last(&mut self) {
        if let Some((start, _)) = self.text.grapheme_indices(true).next_back() {
            self.text.truncate(start);
        }
        self.error = None;
    }

    fn submit(&mut self) -> NicknameKey {
        let name = self.text.trim();
        if name.is_empty() {
            self.error = Some("Type a nickname of 1 to 20 characters".into());
            return NicknameKey::Editing;
        }
        // The host applies the same rules; checking here saves a round trip and keeps the
        // player at the prompt.
        match crate::nickname::validate(name) {
            Ok(name) => NicknameKey::Submit(name),
            Err(error) => {
                self.error = Some(capitalize(&error.to_string()));
                NicknameKey::Editing
            }
        }
    }
}

/// Returns `text` with its first letter in upper case, for a message shown on its own line.
pub fn capitalize(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::KeyModifiers;

    fn press(input: &mut NicknameInput, code: KeyCode) -> NicknameKey {
        input.handle_key(KeyEvent::new(code, KeyModifiers::NONE))
    }

    fn type_text(input: &mut NicknameInput, text: &str) {
        for c in text.chars() {
            press(input, KeyCode::Char(c));
        }
    }

    #[test]
    fn enter_submits_trimmed_name() {
        let mut input = NicknameInput::default();
        type_text(&mut input, "  Ada ");
        assert_eq!(
            press(&mut input, KeyCode::Enter),
            NicknameKey::Submit("Ada".into())
        );
    }

    #[test]
    fn empty_name_is_rejected() {
        let mut input = NicknameInput::default();
        type_text(&mut input, "   ");
        assert_eq!(press(&mut input, KeyCode::Enter), NicknameKey::Editing);
        assert!(input.error.is_some());
    }

    #[test]
    fn length_stops_at_twenty() {
        let mut input = NicknameInput::default();
        type_text(&mut input, &"x".repeat(25));
        assert_eq!(input.len(), MAX_NICKNAME_CHARS);
        assert!(input.error.is_some());
    }

    #[test]
    fn combining_marks_count_once() {
        let mut input = NicknameInput::default();
        type_text(&mut input, &"e\u{301}".repeat(20));
        assert_eq!(input.len(), 20);
        assert_eq!(input.text.chars().count(), 40);
    }

    #[test]
    fn ctrl_w_after_wide_space() {
        let mut input = NicknameInput::default();
        type_text(&mut input, "山田\u{3000}太郎");
        input.handle_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(input.text, "山田\u{3000}");
        input.handle_key(KeyEvent::new(KeyCode::Char('w'), KeyModifiers::CONTROL));
        assert_eq!(input.text, "");
    }

    #[test]
    fn backspace_removes_whole_grapheme() {
        let mut input = NicknameInput::default();
        type_text(&mut input, "Zoe\u{301}");
        press(&mut input, KeyCode::Backspace);
        assert_eq!(input.text, "Zo");
    }

    #[test]
    fn esc_cancels() {
        let mut input = NicknameInput::default();
        assert_eq!(press(&mut input, KeyCode::Esc), NicknameKey::Cancel);
    }
}
