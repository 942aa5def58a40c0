//! The host role: a game actor per game, the server around it, and its front ends.

pub mod events;
