"""Evaluation of the cleanup stage: corruption generator, quality figures, speed."""
