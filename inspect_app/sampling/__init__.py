"""Population extracts, sample plans and reproducible draws."""
