#!/usr/bin/env bash
# Checks deploy/ without a Docker engine, then runs the image's own commands outside Docker:
#   1. hadolint on the Dockerfile (every rule, info level and up);
#   2. `docker compose config` (the real Compose v2 binary from the dev extra) with a throwaway
#      .env, and a second run proving it refuses to start without POSTGRES_PASSWORD;
#   3. `systemd-analyze verify` on the unit (paths pointed at this checkout) when available;
#   4. `caddy validate` on the Caddyfile and shellcheck on the scripts when installed;
#   5. the image's steps: a fresh virtualenv from deploy/requirements.lock (--no-deps, pip check),
#      the source laid out as in /app, every module imported, migrations on a fresh SQLite data
#      directory, `python -m bot check` reporting the schema at head, then `python -m bot run`
#      against the fake Bot API until the HEALTHCHECK command passes, and SIGTERM → exit 0.
# Usage: deploy/check-static.sh  (VENV=path/to/venv to use another dev virtualenv)
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$(pwd)"
BIN="${VENV:-$ROOT/.venv}/bin"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
started=$SECONDS

step() { printf '\n== %s\n' "$*"; }
skip() { printf 'skipped: %s\n' "$*"; }

step "hadolint deploy/Dockerfile"
"$BIN/hadolint" --failure-threshold info deploy/Dockerfile
echo "ok"

step "docker compose config (deploy/docker-compose.yml)"
compose="$("$BIN/python" -c 'import compose, pathlib; print(pathlib.Path(compose.__file__).parent / "docker-compose")')"
mkdir -p "$tmp/project/deploy"
cp .env.example "$tmp/project/.env"
echo "POSTGRES_PASSWORD=ci-only-not-a-secret" >> "$tmp/project/.env"
"$compose" --project-directory "$tmp/project/deploy" --env-file "$tmp/project/.env" \
    -f deploy/docker-compose.yml config --format json > "$tmp/compose.json"
"$BIN/python" - "$tmp/compose.json" <<'PY'
import json, sys
config = json.load(open(sys.argv[1]))
services = config["services"]
assert set(services) == {"bot", "db"}, f"compose must hold only bot and db, not {sorted(services)}"
bot = services["bot"]
assert bot["depends_on"]["db"]["condition"] == "service_healthy", "bot must wait for a healthy db"
assert bot["environment"]["DATABASE_URL"].startswith("postgresql://bot:"), "bot must use the db"
assert any(v["target"] == "/data" for v in bot["volumes"]), "bot needs the /data volume"
assert all(p.get("host_ip") == "127.0.0.1" for p in bot.get("ports", [])), "publish on loopback only"
assert "healthcheck" in services["db"], "db needs a healthcheck"
print("ok:", ", ".join(sorted(services)))
PY
grep -v '^POSTGRES_PASSWORD=' "$tmp/project/.env" > "$tmp/project/.env.nopw"
if "$compose" --project-directory "$tmp/project/deploy" --env-file "$tmp/project/.env.nopw" \
    -f deploy/docker-compose.yml config --quiet 2> "$tmp/nopw.err"; then
    echo "compose started without POSTGRES_PASSWORD" >&2
    exit 1
fi
grep -q "POSTGRES_PASSWORD" "$tmp/nopw.err"
echo "ok: refuses to start without POSTGRES_PASSWORD"

step "docker compose config (deploy/compose.scale.yaml: replicas behind Caddy)"
{ cat "$tmp/project/.env"; echo "BOT_DOMAIN=bot.example.org";
  echo "WEBHOOK_URL=https://bot.example.org/telegram"; } > "$tmp/project/.env.scale"
"$compose" --project-directory "$tmp/project/deploy" --env-file "$tmp/project/.env.scale" \
    -f deploy/compose.scale.yaml config --format json > "$tmp/scale.json"
"$BIN/python" - "$tmp/scale.json" deploy/Caddyfile.scale <<'PY'
import json, re, sys
services = json.load(open(sys.argv[1]))["services"]
bots = sorted(name for name in services if re.fullmatch(r"bot\d+", name))
assert len(bots) >= 2, "scale-out needs at least two bot replicas"
assert {"caddy", "db", "redis"} <= set(services), sorted(services)
for name in bots:
    bot = services[name]
    env = bot["environment"]
    assert env["SCALE_OUT"] == "true" and env["REDIS_URL"].startswith("redis://redis:"), name
    assert env["DATABASE_URL"].startswith("postgresql://bot:"), name
    assert not bot.get("ports"), f"{name}: only Caddy is published"
    for dep in ("db", "redis"):
        assert bot["depends_on"][dep]["condition"] == "service_healthy", f"{name} waits for {dep}"
assert "healthcheck" in services["db"] and "healthcheck" in services["redis"]
caddyfile = open(sys.argv[2]).read()
upstreams = re.search(r"reverse_proxy ([^{]+)\{", caddyfile).group(1).split()
assert sorted(u.split(":")[0] for u in upstreams) == bots, "Caddy must balance over every replica"
assert "health_uri /healthz" in caddyfile and "health_port 9090" in caddyfile
print("ok:", ", ".join(sorted(services)))
PY

step "systemd-analyze verify deploy/bot.service"
if command -v systemd-analyze > /dev/null; then
    # Point the unit at this checkout so verify can check that the executables exist.
    touch "$tmp/bot.env"
    sed -e "s#/opt/newsfix-bot/.venv/bin/python#$BIN/python#g" \
        -e "s#/opt/newsfix-bot#$ROOT#g" \
        -e "s#/etc/newsfix-bot/bot.env#$tmp/bot.env#g" \
        deploy/bot.service > "$tmp/newsfix-bot.service"
    systemd-analyze verify "$tmp/newsfix-bot.service"
    echo "ok"
else
    skip "systemd-analyze not installed"
fi

step "caddy validate deploy/Caddyfile deploy/Caddyfile.scale"
if command -v caddy > /dev/null; then
    caddy validate --config deploy/Caddyfile --adapter caddyfile 2>&1 | tail -1
    caddy validate --config deploy/Caddyfile.scale --adapter caddyfile 2>&1 | tail -1
else
    skip "caddy not installed (apt-get install caddy)"
fi

step "shellcheck deploy/*.sh"
if command -v shellcheck > /dev/null; then
    shellcheck deploy/*.sh
    echo "ok"
else
    skip "shellcheck not installed (apt-get install shellcheck)"
fi

step "image commands outside Docker: install from the lock"
"$BIN/python" -m venv "$tmp/venv"
# pip's output goes to a log (shown on failure) so the CI log stays readable.
if ! "$tmp/venv/bin/pip" install --disable-pip-version-check --no-deps --require-virtualenv \
    -r deploy/requirements.lock > "$tmp/pip.log" 2>&1; then
    cat "$tmp/pip.log" >&2
    exit 1
fi
"$tmp/venv/bin/pip" check --disable-pip-version-check 2> /dev/null
echo "ok: $(grep -c '==' deploy/requirements.lock) pinned packages ($((SECONDS - started))s so far)"
# The image's layout: source in /app (bot/ and prompts/), PYTHONPATH=/app, data in a volume.
mkdir -p "$tmp/app" "$tmp/data"
cp -r bot prompts "$tmp/app/"
find "$tmp/app" -name __pycache__ -prune -exec rm -rf {} +
image_env=(env -i "PATH=$tmp/venv/bin:/usr/bin:/bin" "HOME=$tmp" "PYTHONPATH=$tmp/app"
    "PYTHONDONTWRITEBYTECODE=1" "DATA_DIR=$tmp/data" "TIKTOKEN_CACHE_DIR=$tmp/data/tiktoken"
    "METRICS_LISTEN=127.0.0.1" "METRICS_PORT=0")

step "image commands outside Docker: every module imports with the locked dependencies"
(cd "$tmp/app" && "${image_env[@]}" python - <<'PY'
import importlib, pkgutil
import bot
skip = ("bot.__main__", "bot.storage.migrations")  # the CLI runner; Alembic's own scripts
names = [m.name for m in pkgutil.walk_packages(bot.__path__, "bot.") if not m.name.startswith(skip)]
for name in names:
    importlib.import_module(name)
print(f"ok: {len(names)} modules")
PY
)

step "image commands outside Docker: migrations on start, then check"
(cd "$tmp/app" && "${image_env[@]}" python - <<'PY'
import asyncio
from bot.config import load_settings
from bot.storage.db import Database

async def main() -> None:
    # What `python -m bot run` does first: open the database, which migrates it.
    db = await Database.open(load_settings().effective_database_url)
    await db.close()

asyncio.run(main())
PY
)
test -f "$tmp/data/bot.db"
set +e
(cd "$tmp/app" && "${image_env[@]}" python -m bot check) > "$tmp/check.out" 2> "$tmp/check.err"
status=$?
set -e
cat "$tmp/check.out"
# No token in this environment, so `check` must fail on config (exit 1) while the database row
# proves the migrations reached head and the LLM row shows the offline fallback.
test "$status" -eq 1
grep -Eq '^config +failed +TELEGRAM_BOT_TOKEN is not set' "$tmp/check.out"
grep -Eq '^database +ok +sqlite .*schema at head' "$tmp/check.out"
grep -Eq '^llm +skipped' "$tmp/check.out"
grep -Eq '^tokenizer +ok' "$tmp/check.out"

step "image commands outside Docker: start (CMD run), HEALTHCHECK, SIGTERM"
# The fake Bot API from the tests (standard library only) stands in for Telegram.
"$BIN/python" - > "$tmp/fake.addr" <<'PY' &
import sys, time
sys.path.insert(0, ".")
from testsupport.botapi import FakeBotAPI
tg = FakeBotAPI().start()
print(tg.api_url, tg.token, flush=True)
while True:
    time.sleep(3600)
PY
fake_pid=$!
trap 'kill "$fake_pid" 2> /dev/null || true; rm -rf "$tmp"' EXIT
for _ in $(seq 100); do [ -s "$tmp/fake.addr" ] && break; sleep 0.1; done
read -r api_url token < "$tmp/fake.addr"
port="$("$BIN/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
run_env=("${image_env[@]}" "TELEGRAM_API_URL=$api_url" "TELEGRAM_BOT_TOKEN=$token" "METRICS_PORT=$port")
(cd "$tmp/app" && exec "${run_env[@]}" python -m bot run) > "$tmp/run.log" 2>&1 &
bot_pid=$!
healthy=""
for _ in $(seq 120); do
    if (cd "$tmp/app" && "${run_env[@]}" python -m bot.ops.health) 2> /dev/null; then
        healthy=yes
        break
    fi
    kill -0 "$bot_pid" 2> /dev/null || break
    sleep 0.5
done
if [ -z "$healthy" ]; then
    cat "$tmp/run.log" >&2
    kill "$bot_pid" 2> /dev/null || true
    echo "the bot never became healthy" >&2
    exit 1
fi
echo "ok: HEALTHCHECK passes ($((SECONDS - started))s so far)"
# SIGTERM once polling has started (a stop during PTB's start-up is a different path).
for _ in $(seq 100); do grep -q "Application started" "$tmp/run.log" && break; sleep 0.1; done
kill -TERM "$bot_pid"
set +e
wait "$bot_pid"
status=$?
set -e
if [ "$status" -ne 0 ]; then
    cat "$tmp/run.log" >&2
    echo "exit status $status after SIGTERM" >&2
    exit 1
fi
echo "ok: exit 0 after SIGTERM"

printf '\ndeploy/check-static.sh: all passed in %ss\n' "$((SECONDS - started))"
