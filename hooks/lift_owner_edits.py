"""Before an update to 0.5.0: move the owner's edits out of the modules that became the
template's alone, into the owner's files, so that `copier update` merges clean.

Up to 0.4.0 an owner registered a blueprint in `__init__.py`, changed a setting in
`config.py` and added a model to `models.py`. From 0.5.0 those modules hold no owner's code:
`extend.py` (its `init_app` and `SETTINGS`) and `models.py` are the owner's. This script renders
the project as the template last left it, finds the lines the owner added, moves them into
those files, and puts the template's own lines back, staged, so that Copier's diff carries no
edit of a module the new version rewrites. An edit it cannot move (a template line changed or
deleted) stays where it is, for Copier to merge, and is named on stderr.

Usage (copier.yml, _migrations, which sets VERSION_TO): lift_owner_edits.py NEW_TEMPLATE
"""

import ast
import difflib
import os
import re
import subprocess
import sys
import tempfile
import textwrap
from dataclasses import dataclass
from pathlib import Path

import copier
import yaml

ANSWERS_FILE = ".copier-answers.yml"
SETTING = re.compile(r"^(?P<indent>\s+)(?P<name>[A-Z][A-Z0-9_]*)\s*(?::[^=]+)?=\s*(?P<value>.+)$")
MOVED_SETTINGS = "# Settings changed in config.py before 0.5.0 (config.py is the template's now)."
MOVED_MODELS = "in the auth package since 0.5.0"


@dataclass
class Hunk:
    """Lines the owner added (or put in place of `replaced`) after line `after` of the
    template's text (0-based index of the line before; -1 at the top)."""

    after: int
    replaced: list[str]
    added: list[str]


def owners_hunks(template_text: str, owners_text: str) -> list[Hunk]:
    ours, theirs = template_text.splitlines(), owners_text.splitlines()
    matcher = difflib.SequenceMatcher(None, ours, theirs, autojunk=False)
    return [
        Hunk(after=i1 - 1, replaced=ours[i1:i2], added=theirs[j1:j2])
        for tag, i1, i2, j1, j2 in matcher.get_opcodes()
        if tag != "equal"
    ]


def meaningful(lines: list[str]) -> list[str]:
    return [line for line in lines if line.strip()]


def render(source: str, ref: str | None, answers: dict, destination: Path) -> Path:
    copier.run_copy(
        source,
        str(destination),
        data=answers,
        vcs_ref=ref,
        defaults=True,
        quiet=True,
        overwrite=True,
        skip_tasks=True,
        unsafe=True,
    )
    return destination


def read_answers() -> dict:
    return yaml.safe_load(Path(ANSWERS_FILE).read_text())


class Lifter:
    """The owner's extend.py and models.py as they become, and the modules put back."""

    def __init__(self, package: str, before: Path, after: Path):
        self.package = package
        self.before = before / package  # the project as the template last left it
        self.after = after / package  # the project as the new version renders it
        self.here = Path(package)
        self.extend = self._owners_extend()
        self.restored: list[Path] = []

    def _owners_extend(self) -> str:
        path = self.here / "extend.py"
        if not path.exists():
            return (self.after / "extend.py").read_text()
        self.extend = path.read_text()
        if not re.search(r"^def init_app\(", self.extend, re.M):
            self.add_imports(["from flask import Flask"])
            self.add_at_end(["", *self._new_init_app()])
        return self.extend

    def _new_init_app(self) -> list[str]:
        """The new version's init_app door, with the comments above it."""
        text = (self.after / "extend.py").read_text()
        lines = text.splitlines()
        function = next(n for n in ast.parse(text).body if getattr(n, "name", None) == "init_app")
        start = function.lineno - 1
        while start > 0 and lines[start - 1].startswith("#"):
            start -= 1
        return lines[start : function.end_lineno]

    # -- moving lines into extend.py ----------------------------------------------------
    def add_imports(self, statements: list[str]) -> None:
        self.extend = with_imports(self.extend, statements, self.package)

    def add_to_init_app(self, code: list[str]) -> None:
        body = [f"    {line}" if line.strip() else "" for line in code]
        lines = self.extend.splitlines()
        tree = ast.parse(self.extend)
        function = next(n for n in tree.body if getattr(n, "name", None) == "init_app")
        at = function.end_lineno
        self.extend = "\n".join([*lines[:at], *body, *lines[at:]]) + "\n"

    def add_at_end(self, lines: list[str]) -> None:
        self.extend = self.extend.rstrip("\n") + "\n\n\n" + "\n".join(lines) + "\n"

    # -- the modules ----------------------------------------------------------------------
    def lift_init(self) -> None:
        """__init__.py: what the owner added runs in extend.init_app(app), imports included
        (inside it, so that extend.py, which the app's modules import, imports none of them);
        a function or class they added at the top level goes to the end of extend.py."""
        hunks = self._liftable("__init__.py")
        if hunks is None:
            return
        owners_text = (self.here / "__init__.py").read_text()
        for hunk in hunks:
            code = trim_blank_edges(hunk.added)
            if code and not code[0][:1].isspace() and not re.match(r"(from|import) ", code[0]):
                self.add_at_end(["", *code])
                continue
            body = textwrap.dedent("\n".join(code)).splitlines()
            wanted = [s for s in imports_for(["\n".join(body)], owners_text) if s not in body]
            self.add_to_init_app([*wanted, *body])
        self._restore("__init__.py")

    def lift_settings(self) -> None:
        """config.py: a setting of Config the owner changed or added becomes a default in
        extend.SETTINGS (one the owner already set there keeps its value)."""
        name = "config.py"
        template_text = (self.before / name).read_text()
        owners_text = (self.here / name).read_text()
        hunks = owners_hunks(template_text, owners_text)
        if not hunks:
            return
        template_lines = template_text.splitlines()
        settings = []
        for hunk in hunks:
            moved = settings_of(hunk, template_lines)
            if moved is None:
                return self._leave(name, "a change there is not a setting of Config")
            settings.extend(moved)
        if not settings:
            return self._restore(name)
        self.add_imports(imports_for([value for _, value in settings], owners_text))
        self.add_at_end(
            [MOVED_SETTINGS]
            + [f'SETTINGS.setdefault("{setting}", {value})' for setting, value in settings]
        )
        self._restore(name)

    def lift_models(self) -> str | None:
        """models.py, the template's up to 0.4.0: the owner's models stay in it, beside the
        new version's text; the template's models are imported from where they went."""
        if not (self.before / "models.py").exists():
            return None
        hunks = self._liftable("models.py")
        mine = self.here / "models.py"
        if not mine.exists() or (hunks is None and mine.read_text() != self._old("models.py")):
            return None  # edits that cannot move: Copier merges them
        old_text = self._old("models.py")
        moved = self._moved_names(old_text)
        if not moved:
            return None  # models.py is the owner's already
        owners = [line for hunk in hunks or [] for line in hunk.added]
        text = (self.after / "models.py").read_text().rstrip("\n") + "\n"
        needed = imports_for(["\n".join(owners)], old_text) if meaningful(owners) else []
        text = with_imports(text, [*needed, *moved], self.package)
        if meaningful(owners):
            code = "\n".join(trim_blank_edges(owners))
            text = without_needless_noqa(text, code).rstrip("\n") + "\n\n\n" + code + "\n"
        return text

    def _moved_names(self, old_text: str) -> list[str]:
        """`from .auth.models import Role, User` for each top-level name models.py defined."""
        defined = [
            n.name
            for n in ast.parse(old_text).body
            if isinstance(n, ast.ClassDef | ast.FunctionDef)
        ]
        homes: dict[str, list[str]] = {}
        for name in defined:
            home = self._new_home(name)
            if home:
                homes.setdefault(home, []).append(name)
        return [
            f"from .{home} import {', '.join(sorted(names, key=isort_order))}"
            f"  # noqa: F401  # {MOVED_MODELS}"
            for home, names in sorted(homes.items())
        ]

    def _new_home(self, name: str) -> str | None:
        pattern = re.compile(rf"^(class|def) {name}\b", re.M)
        for path in sorted(self.after.rglob("*.py")):
            owners_models = path == self.after / "models.py"
            if not owners_models and pattern.search(path.read_text()):
                module = path.relative_to(self.after).with_suffix("")
                return ".".join(p for p in module.parts if p != "__init__")
        return None

    def _old(self, name: str) -> str:
        return (self.before / name).read_text()

    def _liftable(self, name: str) -> list[Hunk] | None:
        """The owner's additions to name, or None when there are none or they cannot move."""
        mine = self.here / name
        if not mine.exists() or not (self.before / name).exists():
            return None
        hunks = owners_hunks((self.before / name).read_text(), mine.read_text())
        if not hunks:
            return None
        if any(meaningful(h.replaced) for h in hunks):
            self._leave(name, "it changes or deletes the template's lines")
            return None
        return hunks

    def _leave(self, name: str, why: str) -> None:
        print(
            f"{self.package}/{name}: your edits stay in place, for copier update to merge "
            f"({why}); move them to extend.py",
            file=sys.stderr,
        )

    def _restore(self, name: str) -> None:
        (self.here / name).write_text((self.before / name).read_text())
        self.restored.append(self.here / name)

    def write(self, models: str | None) -> None:
        changed = [*self.restored]
        extend = self.here / "extend.py"
        if not extend.exists() or extend.read_text() != self.extend:
            extend.write_text(self.extend)
            changed.append(extend)
        if models is not None:
            (self.here / "models.py").write_text(models)
            changed.append(self.here / "models.py")
        if changed:
            subprocess.run(["git", "add", "--", *map(str, changed)], check=True)


def settings_of(hunk: Hunk, template_lines: list[str]) -> list[tuple[str, str]] | None:
    """The (name, value) settings of class Config that hunk sets, or None if it does more."""
    if enclosing_class(template_lines, hunk.after) != "Config":
        return None if meaningful(hunk.added) or meaningful(hunk.replaced) else []
    replaced = {m["name"] for m in map(SETTING.match, meaningful(hunk.replaced)) if m}
    if len(replaced) != len(meaningful(hunk.replaced)):
        return None
    moved = []
    for line in meaningful(hunk.added):
        match = SETTING.match(line)
        if not match or line.lstrip().startswith("#"):
            return None
        moved.append((match["name"], match["value"].strip()))
    return moved


def enclosing_class(lines: list[str], index: int) -> str | None:
    for line in reversed(lines[: index + 1]):
        match = re.match(r"class (\w+)", line)
        if match:
            return match[1]
        if line and not line[0].isspace() and not line.startswith(("#", ")")):
            return None
    return None


def imports_for(code: list[str], module_text: str) -> list[str]:
    """The import statements of module_text that bind a name the code uses."""
    used = set()
    for snippet in code:
        try:
            tree = ast.parse(textwrap.dedent(snippet))
        except SyntaxError:
            tree = ast.parse(snippet, mode="eval")
        used |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}
    statements = []
    for node in ast.parse(module_text).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            names = [a for a in node.names if (a.asname or a.name).split(".")[0] in used]
            if names:
                statements.append(import_statement(node, names))
    return statements


def import_statement(node: ast.Import | ast.ImportFrom, names: list[ast.alias]) -> str:
    names = sorted(names, key=lambda alias: isort_order(alias.name))
    listed = ", ".join(a.name + (f" as {a.asname}" if a.asname else "") for a in names)
    if isinstance(node, ast.Import):
        return f"import {listed}"
    return f"from {'.' * node.level}{node.module or ''} import {listed}"


def isort_order(name: str) -> tuple[int, str]:
    """Constants, then classes, then the rest, each case-blind, as ruff orders the names of
    one import."""
    kind = 0 if name.isupper() else 1 if name[:1].isupper() else 2
    return kind, name.lower()


def without_needless_noqa(text: str, code: str) -> str:
    """text with `# noqa: F401` dropped from the imports whose names code now uses."""
    used = {n.id for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Name)}
    lines = text.splitlines()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno == node.end_lineno:
            names = {(a.asname or a.name).split(".")[0] for a in node.names}
            line = lines[node.lineno - 1]
            if names <= used and "# noqa: F401" in line:
                lines[node.lineno - 1] = line.split("  # noqa: F401")[0]
    return "\n".join(lines) + "\n"


def with_imports(text: str, statements: list[str], package: str) -> str:
    """text with statements in its leading import block, sorted as ruff's isort sorts; a
    statement that binds a name the block binds already is left out."""
    tree = ast.parse(text)
    body = list(tree.body)
    docstring = body and isinstance(getattr(body[0], "value", None), ast.Constant)
    head = body[1:] if docstring else body
    block = []
    for node in head:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            break
        block.append(node)
    lines = text.splitlines()
    bound = {(a.asname or a.name) for node in block for a in node.names}
    new = [s for s in statements if not bound_names(s) <= bound]
    if not new:
        return text
    if block:
        start, end = block[0].lineno - 1, block[-1].end_lineno
        present = lines[start:end]
        if any(line.strip().startswith("#") for line in present):
            return text  # a block with comments is the owner's to sort
    else:
        start = end = body[0].end_lineno if docstring else 0
        present = []
    statements_now = [line for line in present if line.strip()] + new
    rebuilt = sorted_imports(statements_now, package)
    if not block:
        rebuilt = ["", *rebuilt] if docstring else rebuilt
        if end < len(lines) and lines[end].strip():
            rebuilt.append("")
    return "\n".join([*lines[:start], *rebuilt, *lines[end:]]) + "\n"


def bound_names(statement: str) -> set[str]:
    node = ast.parse(statement).body[0]
    return {(a.asname or a.name).split(".")[0] for a in node.names}


def sorted_imports(statements: list[str], package: str) -> list[str]:
    """One import statement a line, in sections (standard library, third party, this
    package, relative) split by blank lines; straight imports before from-imports."""

    def section(statement: str) -> int:
        module = re.match(r"(?:from|import) (\S+)", statement)[1]
        if module.startswith("."):
            return 4
        top = module.split(".")[0]
        if top == "__future__":
            return 0
        if top in sys.stdlib_module_names:
            return 1
        return 3 if top == package else 2

    def order(statement: str) -> tuple:
        module = re.match(r"(?:from|import) (\S+)", statement)[1]
        dots = len(module) - len(module.lstrip("."))
        return (statement.startswith("from"), -dots, module.lstrip(".").lower())

    result: list[str] = []
    for number in sorted({section(s) for s in statements}):
        if result:
            result.append("")
        result.extend(sorted((s for s in statements if section(s) == number), key=order))
    return result


def trim_blank_edges(lines: list[str]) -> list[str]:
    while lines and not lines[0].strip():
        lines = lines[1:]
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    return lines


def main(new_template: str) -> None:
    answers = read_answers()  # the project's, as the template last left it
    package = answers["package_name"]
    data = {k: v for k, v in answers.items() if not k.startswith("_")}
    with tempfile.TemporaryDirectory() as work:
        before = render(answers["_src_path"], answers.get("_commit"), data, Path(work, "before"))
        after = render(new_template, os.environ.get("VERSION_TO"), data, Path(work, "after"))
        lifter = Lifter(package, before, after)
        lifter.lift_init()
        lifter.lift_settings()
        models = lifter.lift_models()
        lifter.write(models)


if __name__ == "__main__":
    main(sys.argv[1])
