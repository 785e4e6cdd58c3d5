"""Match-key normalisation and key-precedence matching, as SQL."""
