//! The player screen as one widget: header, the body for the current screen, and key hints.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Paragraph, Widget};

use super::question::{countdown, question_hint, render_question};
use super::result::{render_final, render_result};
use super::state::{PlayerState, Screen};
use super::waiting::{
    render_connecting, render_ended, render_lobby, render_prompt, render_reconnect_notice,
};
use crate::ui::frame::{chrome, fits, render_header, render_hint, render_too_small};

/// The player screen for `state` at instant `now`.
pub struct PlayerView<'a> {
    /// The state to draw.
    pub state: &'a PlayerState,
    /// The instant the countdown is drawn for.
    pub now: Instant,
}

impl Widget for PlayerView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if !fits(area) {
            render_too_small(area, buf);
            return;
        }
        let [header, body, hint] = chrome(area);
        let state = self.state;
        let body = match &state.announcement {
            Some(text) => render_announcement(text, body, buf),
            None => body,
        };
        let (left, right) = self.header_text();
        render_header(&left, &right, header, buf);

        let hint_text = match (state.screen(), &state.round) {
            (Screen::Prompt, _) => "Enter: join  Esc: quit".to_string(),
            (Screen::Question, Some(round)) => question_hint(round),
            (Screen::Result, _) => "Waiting for the next question  Ctrl-C: quit".to_string(),
            (Screen::Final, _) => "q/Enter: exit".to_string(),
            (Screen::Ended, _) if state.closed.is_some() => "q: exit".to_string(),
            _ => "q: quit".to_string(),
        };
        match &state.reconnect {
            Some(reconnect) => render_reconnect_notice(reconnect, hint, buf),
            None => render_hint(&hint_text, hint, buf),
        }

        match (
            state.screen(),
            &state.round,
            &state.joined,
            &state.game_over,
        ) {
            (Screen::Prompt, ..) => render_prompt(&state.nickname, body, buf),
            (Screen::Connecting, ..) => render_connecting(state.retry.as_ref(), body, buf),
            (Screen::Lobby, _, Some(joined), _) => {
                render_lobby(joined, state.standing.as_ref(), body, buf)
            }
            (Screen::Question, Some(round), ..) => render_question(round, self.now, body, buf),
            (Screen::Result, Some(round), ..) => render_result(round, body, buf),
            (Screen::Final, .., Some(result)) => render_final(result, body, buf),
            _ => render_ended(state.closed.as_deref(), body, buf),
        }
    }
}

/// Draws `text` on the first row of `body`, bold on yellow, and returns the rows left.
fn render_announcement(text: &str, body: Rect, buf: &mut Buffer) -> Rect {
    let [row, rest] = Layout::vertical([Constraint::Length(1), Constraint::Fill(1)]).areas(body);
    let style = Style::new()
        .fg(Color::Black)
        .bg(Color::Yellow)
        .add_modifier(Modifier::BOLD);
    Paragraph::new(Line::from(format!(" Announcement: {text}")))
        .style(style)
        .render(row, buf);
    rest
}

impl PlayerView<'_> {
    /// Returns the header: the game title (or the question number) and the player's name and
    /// game code, or the countdown during a question.
    fn header_text(&self) -> (String, String) {
        let state = self.state;
        let title = state
            .joined
            .as_ref()
            .map_or_else(|| "quizcast".to_string(), |joined| joined.title.clone());
        let identity = state.joined.as_ref().map_or_else(String::new, |joined| {
            format!("{} · {}", joined.name, joined.code)
        });
        match (state.screen(), &state.round) {
            (Screen::Question, Some(round)) => (
                format!("Question {}/{}", round.index + 1, round.total),
                countdown(round, self.now),
            ),
            (Screen::Result, Some(round)) => (
                format!("Question {}/{}: result", round.index + 1, round.total),
                identity,
            ),
            _ => (title, identity),
        }
    }
}
