"""Ingestion: what the user gave (a link, a file, text) becomes a Document.

Modules, lowest first: `text` (plain text, word counts), `html` (decoding and article extraction),
`pdf`, `fetch` (the SSRF-safe downloader), and `documents` (which reader a source needs).
"""
