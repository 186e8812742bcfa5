"""Scale-out: several replicas behind a load balancer (issue 13).

- `budget`: one Telegram flood budget per bot token, shared by every replica through Redis, with
  the single-process pacer's rolling-window semantics and priorities.
- `queue`: webhook updates recorded once (by update_id) and processed by a procrastinate worker on
  any replica, in order per chat, retried elsewhere when a worker dies and parked after 3 failures.
- `ingress`: the webhook endpoint that only records and enqueues, answering 200 at once.

Polling mode (one process, SQLite, no Redis) never imports this package.
"""
