"""The Telegram front end (python-telegram-bot 22): handlers, formatting, sending, the app."""
