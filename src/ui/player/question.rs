//! The question screen on the player's side: text, numbered options, cursor and answer status.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::state::{AnswerStatus, Round};
use crate::ui::format::seconds_left;
use crate::ui::frame::{option_row, wrapped_text};
use crate::ui::marks::option_mark;

/// Width of the cursor column left of the options.
const GUTTER: u16 = 2;

/// Draws the question text, the options and the answer status in `body`.
pub fn render_question(round: &Round, now: Instant, body: Rect, buf: &mut Buffer) {
    let body = body.inner(Margin::new(1, 1));
    let count = round.options.len() as u16;
    let spaced = (2 * count).saturating_sub(1);
    let option_rows = if spaced + 6 <= body.height {
        spaced
    } else {
        count
    };
    let [text, _, options, _, status] = Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(1),
        Constraint::Length(option_rows),
        Constraint::Length(1),
        Constraint::Length(1),
    ])
    .areas(body);

    wrapped_text(&round.text, text, buf);
    render_options(round, options, option_rows > count, buf);
    status_line(round, now).render(status, buf);
}

/// Draws each option as a numbered filled row, with "›" before the selected one.
fn render_options(round: &Round, area: Rect, spaced: bool, buf: &mut Buffer) {
    let step = if spaced { 2 } else { 1 };
    let width = area.width.saturating_sub(GUTTER);
    for (index, text) in round.options.iter().enumerate() {
        let y = area.y + (index * step) as u16;
        if y >= area.bottom() {
            break;
        }
        if index == round.selected {
            Line::styled("›", Style::new().add_modifier(Modifier::BOLD))
                .render(Rect::new(area.x, y, GUTTER, 1), buf);
        }
        let row = Rect::new(area.x + GUTTER, y, width, 1);
        let mut line = option_row(index, true, text, width);
        if round.answer != AnswerStatus::Open && index != round.selected {
            line = line.patch_style(Modifier::DIM);
        }
        line.render(row, buf);
    }
}

/// Builds the line under the options: the answer status, or "Time is up".
fn status_line(round: &Round, now: Instant) -> Line<'static> {
    let chosen = |option: usize| {
        let mark = option_mark(option);
        Span::styled(
            format!("{} {}", mark.shape, option + 1),
            mark.outline().add_modifier(Modifier::BOLD),
        )
    };
    match &round.answer {
        AnswerStatus::Open if now >= round.deadline => Line::styled(
            "Time is up",
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
        ),
        AnswerStatus::Open => Line::from("Choose an answer"),
        AnswerStatus::Sending(option) => Line::from(vec![Span::raw("Sending… "), chosen(*option)]),
        AnswerStatus::Locked(option) => Line::from(vec![
            Span::styled("Answer locked in: ", Style::new().fg(Color::Green)),
            chosen(*option),
        ]),
        AnswerStatus::Recorded => Line::styled("Answer locked in", Style::new().fg(Color::Green)),
        AnswerStatus::Rejected(reason) => Line::styled(
            format!("Answer rejected: {reason}"),
            Style::new().fg(Color::Red),
        ),
    }
}

/// Returns the countdown for the header: "13 s left" or "Time is up".
pub fn countdown(round: &Round, now: Instant) -> String {
    match seconds_left(round.deadline, now) {
        0 => "Time is up".to_string(),
        left => format!("{left} s left"),
    }
}

/// Returns the key hint for the question screen.
pub fn question_hint(round: &Round) -> String {
    if round.answer != AnswerStatus::Open {
        return "Waiting for the question to close  Ctrl-C: quit".to_string();
    }
    format!(
        "1-{}: answer  ↑/↓ Enter: choose  Ctrl-C: quit",
        round.options.len()
    )
}
