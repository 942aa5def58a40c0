//! The kick dialog: pick a player from the lobby's names, confirm, and the game removes it.

use crossterm::event::{KeyCode, KeyEvent};
use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Flex, Layout, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::Line;
use ratatui::widgets::{Block, Clear, Paragraph, Widget};

/// Close reason sent to a player kicked from the host's screen.
pub const TUI_KICK_REASON: &str = "no reason given";

/// The dialog's state: the names offered, the one under the cursor, and whether the host is
/// asked to confirm.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KickDialog {
    /// Names as the lobby had them when the dialog opened, most recent first.
    pub names: Vec<String>,
    pub selected: usize,
    /// Whether the "kick NAME? y/n" question is shown.
    pub confirming: bool,
}

/// The result of one key press in the dialog.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KickOutcome {
    /// The dialog stays open.
    Stay,
    /// The host cancelled; the dialog closes.
    Cancel,
    /// The host confirmed kicking this player; the dialog closes.
    Kick(String),
}

impl KickDialog {
    /// Opens the dialog over `names`; returns `None` when there is nobody to kick.
    pub fn open(names: Vec<String>) -> Option<KickDialog> {
        (!names.is_empty()).then_some(KickDialog {
            names,
            selected: 0,
            confirming: false,
        })
    }

    /// Handles one key press: arrows move, Enter asks to confirm, y kicks, n or Esc goes back.
    pub fn handle_key(&mut self, key: KeyEvent) -> KickOutcome {
        if self.confirming {
            return match key.code {
                KeyCode::Char('y') | KeyCode::Char('Y') => {
                    KickOutcome::Kick(self.names[self.selected].clone())
                }
                KeyCode::Char('n') | KeyCode::Char('N') | KeyCode::Esc => {
                    self.confirming = false;
                    KickOutcome::Stay
                }
                _ => KickOutcome::Stay,
            };
        }
        match key.code {
            KeyCode::Up => self.selected = self.selected.saturating_sub(1),
            KeyCode::Down => self.selected = (self.selected + 1).min(self.names.len() - 1),
            KeyCode::Enter => self.confirming = true,
            KeyCode::Esc | KeyCode::Char('q') => return KickOutcome::Cancel,
            _ => {}
        }
        KickOutcome::Stay
    }
}

/// The dialog drawn in the middle of the screen.
pub struct KickView<'a> {
    pub dialog: &'a KickDialog,
}

impl Widget for KickView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let dialog = self.dialog;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let lines = if dialog.confirming {
            let name = &dialog.names[dialog.selected];
            vec![
                Line::styled(format!("Kick {name}?"), bold).centered(),
                Line::from("They cannot rejoin this game.").centered(),
                Line::from("y: kick  n: back").centered(),
            ]
        } else {
            self.list_lines(area.height.saturating_sub(4) as usize)
        };
        let height = lines.len() as u16 + 2;
        let [row] = Layout::vertical([Constraint::Length(height)])
            .flex(Flex::Center)
            .areas(area);
        let [dialog_area] = Layout::horizontal([Constraint::Length(40)])
            .flex(Flex::Center)
            .areas(row);
        Clear.render(dialog_area, buf);
        Paragraph::new(lines)
            .block(Block::bordered().title(" Kick a player "))
            .render(dialog_area, buf);
    }
}

impl KickView<'_> {
    /// Returns up to `rows` lines: a window of names around the cursor, then the key hint.
    fn list_lines(&self, rows: usize) -> Vec<Line<'static>> {
        let dialog = self.dialog;
        let visible = rows.saturating_sub(1).max(1);
        let first = dialog.selected.saturating_sub(visible - 1);
        let selected = Style::new().add_modifier(Modifier::REVERSED);
        let mut lines: Vec<Line<'static>> = dialog
            .names
            .iter()
            .enumerate()
            .skip(first)
            .take(visible)
            .map(|(i, name)| {
                if i == dialog.selected {
                    Line::styled(format!("> {name}"), selected)
                } else {
                    Line::from(format!("  {name}"))
                }
            })
            .collect();
        lines.push(Line::from("↑/↓: choose  Enter: kick  Esc: back"));
        lines
    }
}
