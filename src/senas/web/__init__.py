"""The learner web app: plain HTML, CSS and ES modules (no build step) served by the gateway."""
