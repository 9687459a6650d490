"""The analysts' read-only API."""
