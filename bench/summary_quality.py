"""`python -m bench.summary_quality`: see bench/quality/summaries.py."""

from bench.quality.summaries import main

if __name__ == "__main__":
    raise SystemExit(main())
