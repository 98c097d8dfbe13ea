"""The command blocks of the documentation site (docs/**/*.md).

Every fenced block whose language is `sh` is a command block, and the line before it is an
HTML comment that names where it runs:

    <!-- run: template -->                     a fresh clone of this repository, with .venv
    <!-- run: template dir=../my-flask-app --> a folder next to that clone
    <!-- run: project platform=fly -->         a freshly rendered project, with .venv
    <!-- run: heroku -->  <!-- run: fly -->    a rendered project of that platform, with the
    <!-- run: docker --> <!-- run: vps -->     platform's CLIs replaced by checking shims

Options after the kind: answers (name=value, passed to copier), `exit=N` (the block's
expected exit status, default 0), `serve=URL` (the block ends with a server: it is
started, URL must answer, then it is stopped; URL is http://, https:// or smtp://) and
`needs=postgresql,redis` (real services on 127.0.0.1; see tests/support/services.py).
Blocks of any other language (text, console, toml, yaml, python, ini) are never run.
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"
KINDS = {"template", "project", "heroku", "fly", "docker", "vps"}
PLATFORM_KINDS = {"heroku", "fly", "docker", "vps"}
SERVICES = {"postgresql", "mysql", "redis"}

FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w+-]*)[ \t]*$")
CONTEXT = re.compile(r"^\s*<!--\s*run:\s*(?P<spec>.*?)\s*-->\s*$")


@dataclass
class Block:
    page: str  # relative to docs/
    line: int  # of the opening fence, 1-based
    language: str
    code: str
    context: str | None  # the text after "run:", or None when no comment precedes the block

    @property
    def where(self) -> str:
        return f"docs/{self.page}:{self.line}"


@dataclass
class Context:
    kind: str
    answers: dict[str, str] = field(default_factory=dict)
    exit: int = 0
    serve: str | None = None
    needs: tuple[str, ...] = ()
    dir: str | None = None  # template only: a folder relative to the clone

    @property
    def project_answers(self) -> dict[str, str]:
        """The answers of the rendered project this block runs in."""
        if self.kind in PLATFORM_KINDS:
            return {"platform": self.kind, **self.answers}
        return dict(self.answers)


def blocks(page: Path, docs: Path = DOCS) -> list[Block]:
    """Every fenced block of page, with the context comment that precedes it, if any."""
    lines = page.read_text(encoding="utf-8").splitlines()
    found, index = [], 0
    while index < len(lines):
        opening = FENCE.match(lines[index])
        if not opening:
            index += 1
            continue
        indent, start = opening.group("indent"), index
        body = []
        index += 1
        while index < len(lines) and lines[index].strip() != "```":
            body.append(lines[index][len(indent) :] if lines[index].startswith(indent) else "")
            index += 1
        previous = next((lines[i] for i in range(start - 1, -1, -1) if lines[i].strip()), "")
        match = CONTEXT.match(previous)
        found.append(
            Block(
                str(page.relative_to(docs)),
                start + 1,
                opening.group("lang"),
                "\n".join(body) + "\n",
                match.group("spec") if match else None,
            )
        )
        index += 1
    return found


def pages(docs: Path = DOCS) -> list[Path]:
    return sorted(docs.rglob("*.md"))


def command_blocks(docs: Path = DOCS) -> list[Block]:
    return [block for page in pages(docs) for block in blocks(page, docs) if block.language == "sh"]


def parse_context(spec: str | None) -> Context:
    """The context a comment names; ValueError, with the reason, for a missing or unknown one."""
    if spec is None:
        raise ValueError("no <!-- run: ... --> comment before it")
    kind, *options = spec.split()
    if kind not in KINDS:
        raise ValueError(f"unknown context {kind!r} (known: {', '.join(sorted(KINDS))})")
    context = Context(kind)
    for option in options:
        name, equals, value = option.partition("=")
        if not equals or not value:
            raise ValueError(f"option {option!r} is not name=value")
        if name == "exit":
            context.exit = int(value)
        elif name == "serve":
            if not re.match(r"^(https?|smtp)://127\.0\.0\.1:\d+(/\S*)?$", value):
                raise ValueError(f"serve={value} is not http(s)://127.0.0.1:PORT/path or smtp://")
            context.serve = value
        elif name == "needs":
            context.needs = tuple(value.split(","))
            if not set(context.needs) <= SERVICES:
                raise ValueError(f"needs={value}: known services are {sorted(SERVICES)}")
        elif name == "dir" and kind == "template":
            context.dir = value
        elif kind == "template":
            raise ValueError(f"the template context takes no answers ({option})")
        else:
            context.answers[name] = value
    return context
