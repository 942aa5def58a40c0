//! Terminal screens for the host and the player.
