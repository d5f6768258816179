// Removed once the agent lands.
