"""Each learner's inbox, filled from the achievement and level-completion topics, with a live SSE stream."""
