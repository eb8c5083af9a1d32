"""How demo media say what they are: generated animations, not a real signer (on the media and in the API)."""

DEMO_NOTICE_ES = "Demostración — animación generada, no un intérprete real"
DEMO_NOTICE_EN = "Demo — generated animation, not a real signer"
