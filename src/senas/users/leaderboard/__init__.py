"""Weekly XP per sign language."""
