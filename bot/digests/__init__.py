"""Daily digests as a domain: subscriptions and feeds in, grouped entries out, each delivered once.

`timing` works out when a chat's digest is due, `feeds` polls RSS/Atom and OPML lists, `selection`
groups the chat's articles into stories, and `scheduler` finds due digests and delivers them through
an injected sender and renderer. Nothing here imports the Telegram front end.
"""
