"""Result objects and their renderers (terminal, JSON, CSV)."""
