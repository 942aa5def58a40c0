//! The player role: join, play over one WebSocket, and report to a front end.

pub mod events;
