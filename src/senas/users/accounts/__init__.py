"""The learner's profile and settings (UserData), roles and account deletion."""
