"""The course catalogue: sign languages, levels, lessons, signs and exercises."""
