//! The top-5 list shown beside questions, under the reveal and on the podium.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget};

use crate::host::events::Standing;
use crate::ui::format::{fit_to_width, thousands};

/// A bordered list of standings: rank, name and score, one per line.
pub struct Leaderboard<'a> {
    /// The standings to show, best first.
    pub top: &'a [Standing],
    /// The title on the border.
    pub title: &'a str,
}

impl Widget for Leaderboard<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = Block::bordered().title(format!(" {} ", self.title));
        let inner = block.inner(area);
        block.render(area, buf);

        let lines: Vec<Line> = if self.top.is_empty() {
            vec![Line::styled(
                "No scores yet",
                Style::new().add_modifier(Modifier::DIM),
            )]
        } else {
            self.top
                .iter()
                .map(|standing| standing_line(standing, inner.width))
                .collect()
        };
        Paragraph::new(lines).render(inner, buf);
    }
}

/// Lays out "1. Name ..... 4,230" in `width` cells, cutting the name if it is too long.
fn standing_line(standing: &Standing, width: u16) -> Line<'static> {
    let rank = format!("{:>2}. ", standing.rank);
    let score = format!(" {}", thousands(standing.score));
    let name_width = usize::from(width).saturating_sub(rank.len() + score.len());
    let name = fit_to_width(&standing.name, name_width);
    let padding = name_width.saturating_sub(Line::from(name.as_str()).width());
    Line::from(vec![
        Span::raw(rank),
        Span::styled(name, Style::new().add_modifier(Modifier::BOLD)),
        Span::raw(" ".repeat(padding)),
        Span::raw(score),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn standing_line_right_aligns_score() {
        let standing = Standing {
            rank: 1,
            name: "Alice".into(),
            score: 4230,
            correct: 4,
        };
        let line = standing_line(&standing, 20);
        let text: String = line.spans.iter().map(|s| s.content.as_ref()).collect();
        assert_eq!(text, " 1. Alice      4,230");
    }
}
