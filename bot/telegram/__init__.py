"""The Telegram front end (python-telegram-bot 22).

app.py        build_application(services) / run_bot(settings): handlers, error handler,
              flood limiter, per-chat ordered concurrency, webhook or polling, start-up checks
summarise_command.py  links / pasted text / forwards in private chats, /summarize (/tldr), mentions
              and auto mode in groups, channel posts
clean.py      /clean (inline, or a .txt file when long)
settings.py   /settings inline keyboard, /auto, channel settings from a private chat
info.py       /start, /help, /usage, /stats and the command list
common.py     the guard every handler runs in (access, metrics, log context, error replies)
access.py     allow-lists, admins, the daily token quota
progress.py   typing action at once, one throttled status message when slow and the send
              budget allows
send.py       send_html / send_file: split at 4,096 UTF-16 units, RetryAfter, Forbidden,
              ChatMigrated
format.py     pure: escaping, LLM Markdown → Telegram HTML, splitting, summary layout
messages.py   reading messages: links (URL/text_link entities), command text, forward origin
ratelimit.py  FloodLimiter/Pacer: rolling windows (30/s overall, 3 per 3 s per chat, 20/min per
              group) held until the reply, priorities from bot.pacing, 429s waited out
processor.py  PerChatUpdateProcessor: chats in parallel, one chat in order
"""
