"""Group features as a domain: recaps of a group's conversation. No Telegram import."""
