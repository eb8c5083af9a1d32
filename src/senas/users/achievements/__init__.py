"""Declarative achievement rules, earned once each, announced through an outbox."""
