"""Learners' practice videos: signed uploads bound to an ML practice session."""
