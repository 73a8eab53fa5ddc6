"""No tests at all."""
