"""Benchmark scripts (run with `python -m bench.<name>`); figures go to the README, not to tests."""
