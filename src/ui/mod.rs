//! Terminal screens for the host and the player.
//!
//! Each role keeps a pure state struct that events and key presses update, and widgets that draw
//! that state into a buffer for a given instant. The async `run` functions own the terminal and
//! only move events, keys and clock ticks into the state.

mod format;
mod frame;
mod marks;

pub mod host;
pub mod player;
pub mod qr;
