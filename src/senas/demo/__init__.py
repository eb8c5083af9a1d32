"""The demo course shipped with Señas: ASL fingerspelling (and a few numbers) built from real hand-landmark data.

We cannot ship videos of real signers, so every demo sign is illustrated by an animated SVG of a hand skeleton,
rendered from the median pose of that letter in a public-domain landmark dataset, and clearly marked as a
generated demonstration. Authors' real uploads replace it through the normal media flow.
"""
