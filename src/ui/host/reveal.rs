//! The reveal screen after a question closes: the correct options, the answer distribution as
//! bars, and the top 5.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::question::split_side_panel;
use super::state::Reveal;
use crate::host::events::Standing;
use crate::ui::format::{display_width, fit_to_width};
use crate::ui::frame::{chrome, render_header, render_hint, wrapped_text};
use crate::ui::marks::option_mark;

/// Widest an option label may get before the bars.
const MAX_LABEL_WIDTH: usize = 30;

/// The reveal screen of a closed question.
pub struct RevealView<'a> {
    /// The closed question.
    pub reveal: &'a Reveal,
    /// The latest top standings.
    pub top: &'a [Standing],
    /// The game title for the header.
    pub title: &'a str,
}

impl Widget for RevealView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [header, body, hint] = chrome(area);
        let reveal = self.reveal;
        let position = match &reveal.question {
            Some(question) => format!(
                "Question {}/{}: answers",
                question.index + 1,
                question.total
            ),
            None => "Answers".to_string(),
        };
        render_header(&position, self.title, header, buf);
        let next = if reveal.more {
            "next question"
        } else {
            "show podium"
        };
        render_hint(&format!("Enter/Space: {next}  k: kick  q: quit"), hint, buf);

        let body = body.inner(Margin::new(1, 1));
        let rows = reveal.counts.len().max(option_count(reveal)) as u16;
        let [upper, _, bars, _, total] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(rows),
            Constraint::Length(1),
            Constraint::Length(1),
        ])
        .areas(body);
        let text = split_side_panel(upper, self.top, "Top 5", buf);

        if let Some(question) = &reveal.question {
            wrapped_text(&question.text, text, buf);
        }
        Paragraph::new(self.bar_lines(bars.width)).render(bars, buf);
        Line::from(format!("{} answered", reveal.answered)).render(total, buf);
    }
}

fn option_count(reveal: &Reveal) -> usize {
    reveal.question.as_ref().map_or(0, |q| q.options.len())
}

impl RevealView<'_> {
    /// Builds one line per option: a check mark if correct, the filled label, a bar and the
    /// count. Bars scale so the most chosen option fills the space left.
    fn bar_lines(&self, width: u16) -> Vec<Line<'static>> {
        let reveal = self.reveal;
        let labels: Vec<String> = (0..option_count(reveal).max(reveal.counts.len()))
            .map(|index| self.label(index))
            .collect();
        let label_width = labels
            .iter()
            .map(|label| display_width(label))
            .max()
            .unwrap_or(0)
            .min(MAX_LABEL_WIDTH);
        let max_count = reveal.counts.iter().copied().max().unwrap_or(0).max(1);
        let count_width = max_count.to_string().len();
        let bar_space = usize::from(width).saturating_sub(2 + label_width + 1 + 1 + count_width);

        labels
            .iter()
            .enumerate()
            .map(|(index, label)| {
                let count = reveal.counts.get(index).copied().unwrap_or(0);
                let bar = bar_space * count / max_count;
                self.bar_line(index, label, label_width, bar, count)
            })
            .collect()
    }

    fn label(&self, index: usize) -> String {
        let text = self
            .reveal
            .question
            .as_ref()
            .and_then(|q| q.options.get(index))
            .map_or_else(|| format!("Option {}", index + 1), String::clone);
        format!(" {}  {text} ", option_mark(index).shape)
    }

    fn bar_line(
        &self,
        index: usize,
        label: &str,
        label_width: usize,
        bar: usize,
        count: usize,
    ) -> Line<'static> {
        let mark = option_mark(index);
        let correct = self.reveal.correct.contains(&index);
        let label = fit_to_width(label, label_width);
        let padded = format!("{label}{}", " ".repeat(label_width - display_width(&label)));
        let (check, label_style) = if correct {
            let check = Style::new().fg(Color::Green).add_modifier(Modifier::BOLD);
            (
                Span::styled("✓ ", check),
                mark.filled().add_modifier(Modifier::BOLD),
            )
        } else {
            (Span::raw("  "), mark.outline().add_modifier(Modifier::DIM))
        };
        Line::from(vec![
            check,
            Span::styled(padded, label_style),
            Span::raw(" "),
            Span::styled("█".repeat(bar), mark.outline()),
            Span::raw(format!(" {count}")),
        ])
    }
}
