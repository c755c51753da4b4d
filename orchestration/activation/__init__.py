"""Activation: audiences, consent and contact-pressure rules, channel exports."""
