"""NewsFix bot: fetch, extract, repair and summarise news articles; deliver them in Telegram."""

__version__ = "0.1.0"
