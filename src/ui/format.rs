//! Number and time formats shared by the screens.

use std::time::{Duration, Instant};

use unicode_segmentation::UnicodeSegmentation;

/// Formats `value` with comma thousands separators: `4230` becomes `4,230`.
pub fn thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    grouped
}

/// Formats a rank as an English ordinal: 1st, 2nd, 3rd, 4th, 11th, 21st.
pub fn ordinal(rank: u32) -> String {
    let suffix = match (rank % 10, rank % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{rank}{suffix}")
}

/// Returns the whole seconds left until `deadline`, rounded up, so the display reaches 0 only
/// when the time is over.
pub fn seconds_left(deadline: Instant, now: Instant) -> u64 {
    let left = deadline.saturating_duration_since(now);
    left.as_secs() + u64::from(left.subsec_nanos() > 0)
}

/// Formats a wait in seconds with one decimal: `1.4 s`.
pub fn wait_seconds(wait: Duration) -> String {
    format!("{:.1} s", wait.as_secs_f64())
}

/// Cuts `text` to at most `width` display cells, ending with "…" when it was cut.
pub fn fit_to_width(text: &str, width: usize) -> String {
    if display_width(text) <= width {
        return text.to_string();
    }
    let mut fitted = String::new();
    let mut used = 0;
    for grapheme in text.graphemes(true) {
        let cells = display_width(grapheme);
        if used + cells + 1 > width {
            break;
        }
        fitted.push_str(grapheme);
        used += cells;
    }
    if width > 0 {
        // "Open Trivia…" reads better than "Open Trivia …".
        fitted.truncate(fitted.trim_end().len());
        fitted.push('…');
    }
    fitted
}

/// Word-wraps `text` into at most `height` lines of at most `width` display cells. Words wider
/// than a line are broken between graphemes. When the text does not fit, the last line ends
/// with "…", so a cut question never looks complete.
pub fn wrap_to_box(text: &str, width: usize, height: usize) -> Vec<String> {
    if width == 0 || height == 0 {
        return Vec::new();
    }
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let mut used = 0;
    for word in text.split_whitespace() {
        let cells = display_width(word);
        if used > 0 && used + 1 + cells <= width {
            line.push(' ');
            line.push_str(word);
            used += 1 + cells;
            continue;
        }
        if used > 0 {
            lines.push(std::mem::take(&mut line));
            used = 0;
        }
        if cells <= width {
            line.push_str(word);
            used = cells;
            continue;
        }
        for grapheme in word.graphemes(true) {
            let g = display_width(grapheme);
            if used + g > width && used > 0 {
                lines.push(std::mem::take(&mut line));
                used = 0;
            }
            line.push_str(grapheme);
            used += g;
        }
    }
    if used > 0 {
        lines.push(line);
    }
    if lines.len() > height {
        lines.truncate(height);
        let last = lines.pop().unwrap_or_default();
        // Force the ellipsis even when the kept line itself fits.
        let mut cut = fit_to_width(&format!("{last} \u{2026}"), width);
        if !cut.ends_with('\u{2026}') {
            cut.push('\u{2026}');
        }
        lines.push(cut);
    }
    lines
}

/// Returns the number of terminal cells `text` takes, as ratatui counts them.
pub fn display_width(text: &str) -> usize {
    ratatui::text::Span::raw(text).width()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn thousands_groups_digits() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1000), "1,000");
        assert_eq!(thousands(4230), "4,230");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }

    #[test]
    fn ordinal_suffixes() {
        let cases = [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (102, "102nd"),
            (111, "111th"),
        ];
        for (rank, text) in cases {
            assert_eq!(ordinal(rank), text);
        }
    }

    #[test]
    fn seconds_left_rounds_up() {
        let now = Instant::now();
        assert_eq!(seconds_left(now + Duration::from_millis(12_100), now), 13);
        assert_eq!(seconds_left(now + Duration::from_secs(12), now), 12);
        assert_eq!(seconds_left(now, now), 0);
        assert_eq!(seconds_left(now, now + Duration::from_secs(1)), 0);
    }

    #[test]
    fn wait_has_one_decimal() {
        assert_eq!(wait_seconds(Duration::from_millis(1400)), "1.4 s");
        assert_eq!(wait_seconds(Duration::from_secs(3)), "3.0 s");
    }

    #[test]
    fn fit_cuts_with_ellipsis() {
        assert_eq!(fit_to_width("Alice", 5), "Alice");
        assert_eq!(fit_to_width("Alexandra", 5), "Alex…");
        assert_eq!(fit_to_width("Alexandra", 0), "");
        assert_eq!(fit_to_width("日本語の名前", 5), "日本…");
        assert_eq!(fit_to_width("Open Trivia DB", 13), "Open Trivia…");
    }

    #[test]
    fn invisible_characters_take_no_width() {
        assert_eq!(display_width("soft\u{00AD}hyphen"), 10);
        assert_eq!(display_width("zero\u{200B}width"), 9);
        assert_eq!(display_width("Nanjing\u{200E}"), 7);
        let fitted = fit_to_width("ab\u{00AD}cd\u{00AD}ef", 4);
        assert_eq!(fitted, "ab\u{00AD}c…");
        assert_eq!(display_width(&fitted), 4);
    }

    #[test]
    fn fit_keeps_graphemes_whole() {
        // "e" with a combining acute accent is one grapheme of width 1.
        assert_eq!(
            fit_to_width("e\u{0301}e\u{0301}e\u{0301}e\u{0301}", 3),
            "e\u{0301}e\u{0301}…"
        );
        assert_eq!(fit_to_width("👩\u{200D}💻👩\u{200D}💻", 3), "👩\u{200D}💻…");
    }

    #[test]
    fn wrap_to_box_marks_a_cut() {
        assert_eq!(
            wrap_to_box("one two three", 7, 2),
            vec!["one two".to_string(), "three".to_string()]
        );
        let cut = wrap_to_box("one two three four five", 7, 2);
        assert_eq!(cut.len(), 2);
        assert!(cut[1].ends_with('\u{2026}'), "{cut:?}");
        assert!(cut.iter().all(|l| display_width(l) <= 7), "{cut:?}");
        let wide = wrap_to_box("日本語のテキストです", 6, 5);
        assert!(wide.iter().all(|l| display_width(l) <= 6), "{wide:?}");
        assert_eq!(wide.concat(), "日本語のテキストです");
        assert!(wrap_to_box("x", 0, 3).is_empty());
    }
}
