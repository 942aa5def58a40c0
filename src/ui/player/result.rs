//! The result screen after each question and the final screen after the game.

use ratatui::buffer::Buffer;
use ratatui::layout::{Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::state::{AnswerStatus, FinalResult, Round, RoundResult, Standing};
use crate::ui::format::{ordinal, thousands};
use crate::ui::marks::option_mark;

/// Draws this player's result for `round` and the correct options.
pub fn render_result(round: &Round, body: Rect, buf: &mut Buffer) {
    let mut lines = match (&round.result, &round.standing) {
        (Some(result), _) => result_lines(round, result),
        (None, Some(standing)) => standing_lines(standing),
        (None, None) => vec![Line::from("Time is up. Waiting for your result…")],
    };
    if let Some(correct) = &round.correct {
        lines.push(Line::default());
        lines.push(Line::from("Correct answer:"));
        lines.extend(
            correct
                .iter()
                .map(|&option| correct_option_line(round, option)),
        );
    }
    Paragraph::new(lines)
        .wrap(Wrap { trim: false })
        .render(body.inner(Margin::new(2, 1)), buf);
}

/// Lines for a question that closed without a result for this player, as after a host restart.
fn standing_lines(standing: &Standing) -> Vec<Line<'static>> {
    vec![
        Line::from("Question closed"),
        Line::default(),
        Line::from(format!("Score: {}", thousands(standing.score))),
        Line::from(format!(
            "Rank: {} of {}",
            ordinal(standing.rank),
            thousands(standing.players as u64)
        )),
    ]
}

fn result_lines(round: &Round, result: &RoundResult) -> Vec<Line<'static>> {
    let answered = matches!(round.answer, AnswerStatus::Locked(_));
    let verdict = match (result.correct, answered) {
        (true, _) => ("✓ Correct", Color::Green),
        (false, true) => ("✗ Wrong", Color::Red),
        (false, false) => ("✗ No answer", Color::Red),
    };
    let verdict_style = Style::new().fg(verdict.1).add_modifier(Modifier::BOLD);
    let mut lines = vec![
        Line::styled(verdict.0, verdict_style),
        Line::default(),
        Line::from(format!("+{} points", thousands(result.points))),
        Line::from(format!("Score: {}", thousands(result.score))),
        Line::from(format!(
            "Rank: {} of {}",
            ordinal(result.rank),
            thousands(result.players as u64)
        )),
    ];
    if result.streak >= 2 {
        lines.push(Line::from(format!(
            "Streak: {} correct in a row",
            result.streak
        )));
    }
    lines
}

fn correct_option_line(round: &Round, option: usize) -> Line<'static> {
    let mark = option_mark(option);
    let text = round.options.get(option).cloned().unwrap_or_default();
    Line::from(vec![
        Span::styled("✓ ", Style::new().fg(Color::Green)),
        Span::styled(
            format!(" {} {}  {text} ", mark.shape, option + 1),
            mark.filled().add_modifier(Modifier::BOLD),
        ),
    ])
}

/// Draws "You finished 2nd of 20 with 4,230 points".
pub fn render_final(result: &FinalResult, body: Rect, buf: &mut Buffer) {
    let lines = vec![
        Line::styled("Game over", Style::new().add_modifier(Modifier::BOLD)),
        Line::default(),
        Line::from(format!(
            "You finished {} of {} with {} points",
            ordinal(result.rank),
            thousands(result.players as u64),
            thousands(result.score)
        )),
    ];
    Paragraph::new(lines)
        .wrap(Wrap { trim: true })
        .render(body.inner(Margin::new(2, 1)), buf);
}
