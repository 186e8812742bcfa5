"""Policies for the deployment files (the tools themselves run in deploy/check-static.sh)."""

from __future__ import annotations

import re
import tomllib

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from testsupport.corpora import ROOT

DEPLOY = ROOT / "deploy"


def _dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = (DEPLOY / "Dockerfile").read_text()
    text = re.sub(
        r"\\\n",
        " ",
        "\n".join(line for line in text.splitlines() if not line.strip().startswith("#")),
    )
    out = []
    for line in text.splitlines():
        if line.strip():
            word, _, rest = line.strip().partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def _lock() -> dict[str, Version]:
    pins = {}
    for line in (DEPLOY / "requirements.lock").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert version, f"unpinned line in the lock: {line!r}"
            pins[canonicalize_name(name)] = Version(version)
    return pins


def test_image_runs_as_non_root_with_healthcheck_and_data_volume() -> None:
    instructions = _dockerfile_instructions()
    words = [word for word, _ in instructions]
    final_stage = words[len(words) - 1 - words[::-1].index("FROM") :]
    args = dict(instructions)
    users = [rest for word, rest in instructions if word == "USER"]
    assert users and users[-1].split(":")[0] not in ("0", "root")
    assert final_stage.index("USER") < final_stage.index("ENTRYPOINT")
    assert "HEALTHCHECK" in final_stage
    assert "bot.ops.health" in args["HEALTHCHECK"]
    assert '"/data"' in args["VOLUME"]
    assert args["ENTRYPOINT"] == '["python", "-m", "bot"]'
    assert args["CMD"] == '["run"]'


def test_base_image_pinned_and_matches_the_project_python() -> None:
    instructions = _dockerfile_instructions()
    base = next(rest for word, rest in instructions if word == "ARG" and "PYTHON_IMAGE=" in rest)
    image = base.split("=", 1)[1]
    match = re.fullmatch(r"python:(3\.\d+)\.\d+-slim-\w+", image)
    assert match, f"base image must be pinned to an exact patch release: {image}"
    requires = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["requires-python"]
    assert requires == f">={match.group(1)}"
    assert all(
        rest in ("${PYTHON_IMAGE} AS build", "${PYTHON_IMAGE}")
        for w, rest in instructions
        if w == "FROM"
    )


def test_no_secrets_baked_into_the_image_or_compose_file() -> None:
    for word, rest in _dockerfile_instructions():
        if word in ("ENV", "ARG"):
            for name in re.findall(r"([A-Z_]+)=", rest):
                assert not re.search(r"(^|_)(TOKEN|KEY|SECRET|PASSWORD)($|_)", name), name
    compose = (DEPLOY / "docker-compose.yml").read_text()
    for line in compose.splitlines():
        if re.search(r"(TOKEN|API_KEY|SECRET|PASSWORD)\s*:", line):
            assert "${" in line, f"secret literal in compose: {line.strip()}"


def test_lock_pins_every_runtime_dependency_within_its_range() -> None:
    pins = _lock()
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    missing, outside = [], []
    for spec in project["dependencies"]:
        requirement = Requirement(spec)
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            missing.append(requirement.name)
        elif not requirement.specifier.contains(pinned, prereleases=True):
            outside.append(f"{requirement.name}=={pinned} not in {requirement.specifier}")
    # Regenerate with deploy/lock.sh after editing dependencies in pyproject.toml.
    assert not missing, f"not in deploy/requirements.lock: {missing}"
    assert not outside, outside
    # Extras pull their own packages: the webhook server, the rate limiter and pypdf's AES
    # backend must be there too.
    assert {"tornado", "aiolimiter", "cryptography"} <= set(pins)


def test_lock_has_no_dev_tools() -> None:
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    names = {canonicalize_name(Requirement(spec).name) for spec in dev["dev"]}
    # The image carries the [scale] extra (replicas); dev repeats it so CI runs those tests.
    names -= {canonicalize_name(Requirement(spec).name) for spec in dev["scale"]}
    assert not names & set(_lock())


def test_systemd_unit_stops_gracefully_and_drops_privileges() -> None:
    unit: dict[str, list[str]] = {}
    for line in (DEPLOY / "bot.service").read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            key, _, value = line.partition("=")
            unit.setdefault(key.strip(), []).append(value.strip())
    assert unit["ExecStart"] == ["/opt/newsfix-bot/.venv/bin/python -m bot run"]
    assert unit["DynamicUser"] == ["yes"] or unit.get("User", ["root"])[0] != "root"
    assert unit["KillSignal"] == ["SIGTERM"]
    assert 0 < int(unit["TimeoutStopSec"][0]) <= 90
    assert unit["Restart"] == ["on-failure"]
    # DATA_DIR stays relative (data) to the state directory; the code comes from PYTHONPATH.
    assert unit["WorkingDirectory"] == ["%S/newsfix-bot"]
    assert unit["StateDirectory"] == ["newsfix-bot"]
    assert "PYTHONPATH=/opt/newsfix-bot" in unit["Environment"]
    assert not any(env.startswith("DATA_DIR=") for env in unit["Environment"])
    assert unit["NoNewPrivileges"] == ["yes"]


def test_compose_grace_period_matches_the_unit() -> None:
    compose = (DEPLOY / "docker-compose.yml").read_text()
    unit = (DEPLOY / "bot.service").read_text()
    grace = re.search(r"stop_grace_period:\s*(\d+)s", compose)
    timeout = re.search(r"TimeoutStopSec=(\d+)", unit)
    assert grace and timeout and grace.group(1) == timeout.group(1)
