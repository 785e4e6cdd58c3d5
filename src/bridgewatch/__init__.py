"""bridgewatch."""
