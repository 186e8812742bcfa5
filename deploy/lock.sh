#!/usr/bin/env bash
# Regenerate deploy/requirements.lock: install the project's runtime dependencies (no dev extra)
# into a throwaway virtualenv and freeze exactly what got installed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON="${PYTHON:-python3}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
"$PYTHON" -m venv "$tmp/venv"
# With the [scale] extra: the same image runs one bot or several replicas (deploy/compose.scale.yaml).
"$tmp/venv/bin/pip" install --quiet --disable-pip-version-check ".[scale]"
{
    echo "# Pinned runtime dependencies for the image and the systemd install (Python 3.11, Linux x86_64)."
    echo "# Regenerate after changing dependencies in pyproject.toml: deploy/lock.sh"
    "$tmp/venv/bin/pip" freeze --exclude-editable --disable-pip-version-check | grep -v -i '^newsfix-bot'
} > deploy/requirements.lock
echo "wrote deploy/requirements.lock ($(grep -c '==' deploy/requirements.lock) pins)"
