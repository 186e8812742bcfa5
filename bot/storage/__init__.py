"""Storage: the schema, the connection and small repositories (cache, usage, chats, digests)."""
