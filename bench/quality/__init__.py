"""Quality evaluations: what the bot's output is worth against ground truth."""
