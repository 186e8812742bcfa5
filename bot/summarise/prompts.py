"""Prompt templates are data: Markdown files in `prompts/` with a small front-matter header.

    ---
    version: 3
    description: one-call summary of a whole article
    ---
    [system]
    You summarise news ... {{language_instruction}}
    [user]
    <article>
    {{article}}
    </article>

Placeholders are `{{name}}`; each prompt may only use its known placeholders and must use its
required ones. Everything is checked when the set is loaded (at start-up), so a broken prompt
file stops the bot with a clear `ConfigError` instead of failing on the first article.

In a checkout the files are read from the top-level `prompts/`; an installed wheel carries them
inside the package as `bot/prompts/` (see `default_prompts_dir`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.errors import ConfigError

# The prompts live in the repository's top-level prompts/ folder (a checkout, the Docker image and
# the systemd unit run from there); a wheel carries the same files as bot/prompts/ (pyproject.toml
# maps the folder into the package), because an installed package has no repository around it.
PACKAGED_PROMPTS_DIR = Path(__file__).resolve().parent.parent / "prompts"
CHECKOUT_PROMPTS_DIR = Path(__file__).resolve().parent.parent.parent / "prompts"


def default_prompts_dir() -> Path:
    """The installed package's prompts when it carries them, else the checkout's prompts/."""
    if (PACKAGED_PROMPTS_DIR / "summarize.md").is_file():
        return PACKAGED_PROMPTS_DIR
    return CHECKOUT_PROMPTS_DIR


PROMPTS_DIR = default_prompts_dir()

# name → (allowed placeholders, required placeholders)
PROMPT_SPECS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "summarize": (
        frozenset({"article", "title", "bullets", "length", "language_instruction"}),
        frozenset({"article"}),
    ),
    "map": (
        frozenset({"article", "title", "part", "parts", "language_instruction"}),
        frozenset({"article"}),
    ),
    "reduce": (
        frozenset({"notes", "title", "bullets", "length", "language_instruction"}),
        frozenset({"notes"}),
    ),
}

# Prompts of other features, loaded one by one with `load_prompt`: they are not part of the
# summary PromptSet, so their versions never change the summary cache key.
STANDALONE_PROMPT_SPECS: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "recap": (
        frozenset({"messages", "points", "chat", "language_instruction"}),
        frozenset({"messages"}),
    ),
    "question": (
        frozenset({"article", "title", "question", "language_instruction"}),
        frozenset({"article", "question"}),
    ),
}

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)
_VERSION_OK = re.compile(r"^[A-Za-z0-9._-]{1,16}$")
MAX_COMBINED_VERSION = 64  # the width of summaries.prompt_version


@dataclass(frozen=True, slots=True)
class Prompt:
    """One validated template: a system and a user message with placeholders."""

    name: str
    version: str
    system: str
    user: str
    fields: Mapping[str, str]

    def render(self, **values: str) -> list[dict[str, str]]:
        """The chat messages with placeholders filled in one pass (values are never re-expanded)."""

        def fill(match: re.Match[str]) -> str:
            return values.get(match.group(1), "")

        return [
            {"role": "system", "content": _PLACEHOLDER.sub(fill, self.system).strip()},
            {"role": "user", "content": _PLACEHOLDER.sub(fill, self.user).strip()},
        ]


@dataclass(frozen=True, slots=True)
class PromptSet:
    """The prompts the LLM summariser uses, with one combined version string."""

    summarize: Prompt
    map: Prompt
    reduce: Prompt

    @property
    def version(self) -> str:
        """E.g. "summarize@3+map@1+reduce@2": recorded with (and keying) every LLM summary."""
        return "+".join(f"{p.name}@{p.version}" for p in (self.summarize, self.map, self.reduce))


def parse_prompt(name: str, text: str, *, origin: str = "") -> Prompt:
    """Parse and validate one prompt file's text; raise ConfigError naming the problem."""
    where = origin or f"prompt {name!r}"
    specs = {**PROMPT_SPECS, **STANDALONE_PROMPT_SPECS}
    if name not in specs:
        raise ConfigError(f"Unknown prompt {name!r} ({where}); expected one of {sorted(specs)}.")
    allowed, required = specs[name]
    text = text.replace("\r\n", "\n").lstrip("\ufeff")
    if not text.startswith("---\n"):
        raise ConfigError(
            f"{where}: missing front matter; start the file with '---' and 'version:'."
        )
    end = text.find("\n---\n", 4)
    if end < 0:
        raise ConfigError(f"{where}: front matter is not closed with a '---' line.")
    fields: dict[str, str] = {}
    for line_no, line in enumerate(text[4:end].splitlines(), start=2):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        key, sep, value = line.partition(":")
        if not sep:
            raise ConfigError(f"{where}: line {line_no} of the front matter is not 'key: value'.")
        fields[key.strip().lower()] = value.strip().strip("\"'")
    version = fields.get("version", "")
    if not version:
        raise ConfigError(f"{where}: the front matter has no 'version:' field.")
    if not _VERSION_OK.match(version):
        raise ConfigError(
            f"{where}: version {version!r} must be 1-16 letters, digits, '.', '_' or '-'."
        )
    body = text[end + 5 :]
    parts = _SECTION.split(body)
    # parts = [preamble, "system", text, "user", text, ...]
    if parts[0].strip():
        raise ConfigError(f"{where}: text before the first [system] or [user] section.")
    sections: dict[str, str] = {}
    for role, content in zip(parts[1::2], parts[2::2], strict=True):
        if role in sections:
            raise ConfigError(f"{where}: the [{role}] section appears twice.")
        sections[role] = content
    if "user" not in sections:
        raise ConfigError(f"{where}: no [user] section.")
    system, user = sections.get("system", ""), sections["user"]
    used = set(_PLACEHOLDER.findall(system)) | set(_PLACEHOLDER.findall(user))
    unknown = used - allowed
    if unknown:
        raise ConfigError(
            f"{where}: unknown placeholder(s) {', '.join('{{' + u + '}}' for u in sorted(unknown))}; "
            f"allowed: {', '.join(sorted(allowed))}."
        )
    missing = required - used
    if missing:
        raise ConfigError(
            f"{where}: required placeholder(s) missing: "
            f"{', '.join('{{' + m + '}}' for m in sorted(missing))}."
        )
    return Prompt(name=name, version=version, system=system, user=user, fields=fields)


def load_prompts(directory: Path | None = None) -> PromptSet:
    """Load and validate `summarize.md`, `map.md` and `reduce.md` from `directory`.

    Without a directory: the prompts that ship with this copy of the bot (`default_prompts_dir`).
    """
    directory = directory or default_prompts_dir()
    prompts: dict[str, Prompt] = {}
    for name in PROMPT_SPECS:
        path = directory / f"{name}.md"
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ConfigError(f"Prompt file {path} is missing.") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"Cannot read prompt file {path}: {exc}.") from exc
        prompts[name] = parse_prompt(name, text, origin=str(path))
    result = PromptSet(**prompts)
    if len(result.version) > MAX_COMBINED_VERSION:
        raise ConfigError(
            f"The combined prompt version {result.version!r} is longer than "
            f"{MAX_COMBINED_VERSION} characters; shorten the 'version:' fields."
        )
    return result


def load_prompt(name: str, directory: Path | None = None) -> Prompt:
    """Load and validate one standalone prompt (e.g. `recap`, `question`) from `directory`."""
    if name not in STANDALONE_PROMPT_SPECS:
        raise ConfigError(f"{name!r} is not a standalone prompt; use load_prompts.")
    path = (directory or default_prompts_dir()) / f"{name}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"Prompt file {path} is missing.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"Cannot read prompt file {path}: {exc}.") from exc
    return parse_prompt(name, text, origin=str(path))
