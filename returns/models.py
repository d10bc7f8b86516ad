"""Quarterly returns: one sub-region's values and ratings for one target set and quarter."""
