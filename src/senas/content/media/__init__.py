"""Media assets of the course (reference videos, images, demo animations) and their upload flow."""
