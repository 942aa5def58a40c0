//! The shape and color of each answer option, shared by the host and player screens.
//!
//! Options carry a shape as well as a color, so players who cannot tell the colors apart, and
//! terminals without color, still match the host's screen to their own.

use ratatui::style::{Color, Style};

/// The mark of one answer option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptionMark {
    /// A single-width symbol drawn before the option text.
    pub shape: &'static str,
    /// The option's color, used as a background for the option box.
    pub color: Color,
    /// The text color that reads on `color`.
    pub text: Color,
}

/// Marks for options 1 to 6, in order. Questions have 2 to 6 options.
const MARKS: [OptionMark; 6] = [
    mark("▲", Color::Red, Color::White),
    mark("◆", Color::Blue, Color::White),
    mark("●", Color::Yellow, Color::Black),
    mark("■", Color::Green, Color::Black),
    mark("★", Color::Magenta, Color::White),
    mark("♥", Color::Cyan, Color::Black),
];

const fn mark(shape: &'static str, color: Color, text: Color) -> OptionMark {
    OptionMark { shape, color, text }
}

/// Returns the mark of the 0-based option `index`. Indexes past 5 reuse the marks in turn.
pub fn option_mark(index: usize) -> OptionMark {
    MARKS[index % MARKS.len()]
}

impl OptionMark {
    /// Returns the style of a filled option box.
    pub fn filled(self) -> Style {
        Style::new().fg(self.text).bg(self.color)
    }

    /// Returns the style of an option drawn without a box: the color on the default background.
    pub fn outline(self) -> Style {
        Style::new().fg(self.color)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_four_follow_the_quiz_habit() {
        let expected = [
            ("▲", Color::Red),
            ("◆", Color::Blue),
            ("●", Color::Yellow),
            ("■", Color::Green),
        ];
        for (index, (shape, color)) in expected.into_iter().enumerate() {
            assert_eq!(option_mark(index).shape, shape);
            assert_eq!(option_mark(index).color, color);
        }
    }

    #[test]
    fn six_distinct_shapes() {
        let mut shapes: Vec<_> = (0..6).map(|index| option_mark(index).shape).collect();
        shapes.sort_unstable();
        shapes.dedup();
        assert_eq!(shapes.len(), 6);
    }
}
