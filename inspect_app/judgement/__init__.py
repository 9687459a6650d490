"""Judgements: against the nation, against last time, grades, outliers and findings."""
