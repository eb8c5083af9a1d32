"""Spaced review: one FSRS card per sign and direction."""
