"""Operations: metrics, health, logging and the `check` command."""
