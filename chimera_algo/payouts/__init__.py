"""Payout engine: reward-splitting schemes and exactly-once sending."""
