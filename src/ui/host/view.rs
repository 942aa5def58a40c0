//! The host screen as one widget: picks the screen for the current phase and draws the kick
//! dialog and the quit question over it.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

use super::kick::KickView;
use super::lobby::LobbyView;
use super::podium::PodiumView;
use super::question::QuestionView;
use super::reveal::RevealView;
use super::state::{HostState, Phase};
use crate::ui::frame::{fits, render_too_small};

/// The host screen for `state` at instant `now`.
pub struct HostView<'a> {
    /// The state to draw.
    pub state: &'a HostState,
    /// The instant the countdown is drawn for.
    pub now: Instant,
}

impl Widget for HostView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if !fits(area) {
            render_too_small(area, buf);
            return;
        }
        let state = self.state;
        let title = state
            .lobby
            .listening
            .as_ref()
            .map_or("quizcast", |listening| listening.title.as_str());
        match &state.phase {
            Phase::Lobby => LobbyView {
                lobby: &state.lobby,
            }
            .render(area, buf),
            Phase::Question(open) => QuestionView {
                open,
                top: &state.top,
                now: self.now,
                title,
            }
            .render(area, buf),
            Phase::Reveal(reveal) => RevealView {
                reveal,
                top: &state.top,
                title,
            }
            .render(area, buf),
            Phase::Podium(podium) => PodiumView { podium, title }.render(area, buf),
        }
        if let Some(message) = &state.store_error {
            render_store_error(message, area, buf);
        }
        if let Some(dialog) = &state.kick {
            KickView { dialog }.render(area, buf);
        }
        if state.confirming_quit {
            render_quit_question(area, buf);
        }
    }
}

/// Draws a database failure over the header row, white on red, so it cannot be missed.
fn render_store_error(message: &str, area: Rect, buf: &mut Buffer) {
    let row = Rect { height: 1, ..area };
    let style = Style::new()
        .fg(Color::White)
        .bg(Color::Red)
        .add_modifier(Modifier::BOLD);
    Clear.render(row, buf);
    Paragraph::new(Line::from(format!(" ⚠ {message}")))
        .style(style)
        .render(row, buf);
}

/// Draws the "quit the running game?" box in the middle of `area`.
fn render_quit_question(area: Rect, buf: &mut Buffer) {
    let [row] = Layout::vertical([Constraint::Length(3)])
        .flex(Flex::Center)
        .areas(area);
    let [dialog] = Layout::horizontal([Constraint::Length(34)])
        .flex(Flex::Center)
        .areas(row);
    Clear.render(dialog, buf);
    let bold = Style::new().add_modifier(Modifier::BOLD);
    Paragraph::new(Line::styled("Quit the running game? y/n", bold).centered())
        .block(Block::bordered())
        .render(dialog, buf);
}
