"""Daily digests: subscriptions, feeds, scheduling and exactly-once delivery."""
