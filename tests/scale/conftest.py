"""Fixtures of the scale-out tests."""

from testsupport.scaledb import scale_db

__all__ = ["scale_db"]
