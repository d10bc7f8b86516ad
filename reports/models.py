"""Board papers built from the returns."""
