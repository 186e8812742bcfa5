"""Group features as a domain, no Telegram import: recaps of a group's conversation (recap.py),
questions about an article answered offline (questions.py), and their LLM side (llm.py)."""
