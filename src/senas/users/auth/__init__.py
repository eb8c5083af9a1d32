"""Sign-up, login, tokens and MFA over the identity port."""
