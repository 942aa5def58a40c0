//! The player's terminal screen.
