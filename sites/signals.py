"""Signals sites sends for apps to its right (which sites must not import)."""

from django.dispatch import Signal

# Sent inside the transaction that records a consent decision, with `participant`, `actor`
# and `decision` (a ConsentDecision value).
consent_recorded = Signal()
