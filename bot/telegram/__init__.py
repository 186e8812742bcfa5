"""The Telegram front end (python-telegram-bot 22).

app.py                 build_application(services) / run_bot(settings): handlers, error handler,
                       flood limiter, per-chat ordered concurrency, webhook or polling, start-up
common.py              typed handler state (BotData), the guard every handler runs in
policy.py              plain request policy: link caps, the in-flight counter
summarise_command.py   links / pasted text / forwards / PDFs in private chats, /summarize (/tldr),
                       mentions and auto mode in groups, channel posts
clean_command.py       /clean
settings_command.py    /settings inline keyboard, /auto, channel settings from a private chat
info.py                /start, /help, /usage, /stats and the command list
digest_commands.py     /subscribe, /unsubscribe, /digest, /feeds, OPML uploads; wires the scheduler
digest_html.py         the digest scheduler's renderer (Telegram HTML)
recap_command.py       /recap on|off, /recap [6h], /forget, storing opted-in groups' messages, purge
question_command.py    questions in reply to a summary, answered from that article's kept text
inline.py              inline mode: cached summaries, a placeholder while one is made
access.py              allow-lists, admins, the daily token quota
progress.py            typing action at once, a status message only when slow and the send
                       budget allows
send.py                send_html / send_file: splitting, RetryAfter, Forbidden, ChatMigrated,
                       forum topics (the update's topic by default; gone topics → TopicGoneError)
render.py              pure: escaping, LLM Markdown → Telegram HTML, splitting, summary layout
messages.py            reading messages: links, command text, forward origin
ratelimit.py           FloodLimiter/Pacer: rolling windows (30/s overall, 3 per 3 s per chat,
                       20/min per group) held until the reply, priorities, 429s waited out
processor.py           PerChatUpdateProcessor: chats in parallel, one chat in order
"""
