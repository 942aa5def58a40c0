//! The open-question screen: text, options, countdown, live answer count and top 5.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Margin, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::leaderboard::Leaderboard;
use super::state::OpenQuestion;
use crate::host::events::Standing;
use crate::ui::format::seconds_left;
use crate::ui::frame::{chrome, option_row, render_header, render_hint, wrapped_text};

/// Narrowest body that still gets the leaderboard beside the question.
pub const MIN_WIDTH_FOR_SIDE_PANEL: u16 = 64;
/// Height of a full top-5 panel with its border.
const TOP_PANEL_HEIGHT: u16 = 7;
/// Width of the leaderboard panel.
pub const SIDE_PANEL_WIDTH: u16 = 28;

/// The screen of an open question at instant `now`.
pub struct QuestionView<'a> {
    /// The open question.
    pub open: &'a OpenQuestion,
    /// The latest top standings.
    pub top: &'a [Standing],
    /// The instant the countdown is drawn for.
    pub now: Instant,
    /// The game title for the header.
    pub title: &'a str,
}

impl Widget for QuestionView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let [header, body, hint] = chrome(area);
        let question = &self.open.question;
        let position = format!("Question {}/{}", question.index + 1, question.total);
        render_header(&position, self.title, header, buf);
        render_hint("Enter/Space: close question  q: quit", hint, buf);

        let body = body.inner(Margin::new(1, 1));
        let option_rows = options_height(question.options.len(), body.height);
        let [upper, _, options] = Layout::vertical([
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(option_rows),
        ])
        .areas(body);
        let main = split_side_panel(upper, self.top, "Top 5", buf);
        let [status, text] =
            Layout::vertical([Constraint::Length(2), Constraint::Fill(1)]).areas(main);

        Paragraph::new(self.status_line()).render(status, buf);
        wrapped_text(&question.text, text, buf);
        render_options(&question.options, options, buf);
    }
}

impl QuestionView<'_> {
    /// Builds "12 s left   12/20 answered", with the countdown red in the last 5 seconds.
    fn status_line(&self) -> Line<'static> {
        let left = seconds_left(self.open.deadline, self.now);
        let countdown = if left == 0 {
            "Time is up".to_string()
        } else {
            format!("{left} s left")
        };
        let color = if left <= 5 { Color::Red } else { Color::Yellow };
        Line::from(vec![
            Span::styled(
                countdown,
                Style::new().fg(color).add_modifier(Modifier::BOLD),
            ),
            Span::raw("   "),
            Span::raw(format!(
                "{}/{} answered",
                self.open.answered, self.open.connected
            )),
        ])
    }
}

/// Draws the leaderboard at the right of `body` when it is wide enough, and returns the rest.
pub fn split_side_panel(body: Rect, top: &[Standing], title: &str, buf: &mut Buffer) -> Rect {
    if body.width < MIN_WIDTH_FOR_SIDE_PANEL {
        return body;
    }
    let [main, _, side] = Layout::horizontal([
        Constraint::Fill(1),
        Constraint::Length(2),
        Constraint::Length(SIDE_PANEL_WIDTH),
    ])
    .areas(body);
    let height = (top.len().max(1) as u16 + 2).min(side.height);
    Leaderboard { top, title }.render(Rect { height, ..side }, buf);
    main
}

/// Returns the rows for `count` options: a blank row between options when that leaves room for
/// the leaderboard above them.
fn options_height(count: usize, available: u16) -> u16 {
    let count = count as u16;
    let spaced = (2 * count).saturating_sub(1);
    if spaced + 1 + TOP_PANEL_HEIGHT <= available {
        spaced
    } else {
        count.min(available)
    }
}

/// Draws one filled row per option, spaced when `area` has room.
fn render_options(options: &[String], area: Rect, buf: &mut Buffer) {
    let spaced = area.height as usize >= (2 * options.len()).saturating_sub(1);
    let step = if spaced { 2 } else { 1 };
    for (index, text) in options.iter().enumerate() {
        let y = area.y + (index * step) as u16;
        if y >= area.bottom() {
            break;
        }
        let row = Rect::new(area.x, y, area.width, 1);
        option_row(index, false, text, area.width).render(row, buf);
    }
}
