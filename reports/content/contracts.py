"""Filled in by this issue's content work."""
