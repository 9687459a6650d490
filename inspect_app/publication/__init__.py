"""Published versions of an inspection's figures, frozen."""
