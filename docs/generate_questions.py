"""Write docs/questions.md from copier.yml, so that the questions reference cannot drift.

    python docs/generate_questions.py           # rewrite docs/questions.md
    python docs/generate_questions.py --check   # exit 1 when docs/questions.md is stale

tests/test_docs.py imports `questions_page` and fails when the committed page differs.
"""

import re
import sys
from pathlib import Path

import jinja2
import yaml

ROOT = Path(__file__).resolve().parents[1]
COPIER_YML = ROOT / "copier.yml"
PAGE = ROOT / "docs" / "questions.md"
COMMAND = "python docs/generate_questions.py"

# {% if ... %}, {% elif ... %}, {% else %}, {% endif %} in a validator.
TAG = re.compile(r"{%-?\s*(if|elif|else|endif)\b(.*?)-?%}", re.DOTALL)


class IncludeLoader(yaml.SafeLoader):
    """PyYAML's safe loader plus copier's `!include path` (relative to copier.yml)."""


def _include(loader: IncludeLoader, node: yaml.Node) -> list:
    """As copier includes: the file's documents as one list, a list document flattened."""
    path = COPIER_YML.parent / loader.construct_scalar(node)
    found = []
    for document in yaml.load_all(path.read_text(encoding="utf-8"), IncludeLoader):
        found.extend(document if isinstance(document, list) else [document])
    return found


IncludeLoader.add_constructor("!include", _include)


def load(copier_yml: Path = COPIER_YML) -> dict:
    return yaml.load(copier_yml.read_text(encoding="utf-8"), IncludeLoader)


def is_question(name: str, spec) -> bool:
    return (
        not name.startswith("_")
        and isinstance(spec, dict)
        and "type" in spec
        and spec.get("when") is not False
    )


def one_line(text) -> str:
    return " ".join(str(text).split())


def _environment() -> jinja2.Environment:
    """Enough of copier's Jinja to evaluate the defaults: the regex filters it adds."""
    env = jinja2.Environment(undefined=jinja2.StrictUndefined)
    env.filters["regex_replace"] = lambda value, pattern, repl="": re.sub(pattern, repl, value)
    env.filters["regex_search"] = lambda value, pattern: re.search(pattern, value)
    return env


def defaults(data: dict) -> dict:
    """Each question's default as `copier copy --defaults` answers it, in order."""
    env, answers = _environment(), {}
    for name, spec in data.items():
        if name.startswith("_") or not isinstance(spec, dict):
            continue
        default = spec.get("default")
        if isinstance(default, str) and "{{" in default:
            try:
                default = env.from_string(default.strip()).render(**answers)
            except jinja2.TemplateError:
                default = None
        answers[name] = default
    return answers


def refusals(validator: str) -> list[tuple[str, str]]:
    """(condition, message) for each message a Jinja validator can print. The condition is
    the branch's own test; an `elif` is read as "and none of the earlier ones"."""
    found, condition, position = [], "", 0
    for tag in TAG.finditer(validator):
        message = one_line(validator[position : tag.start()])
        if message and condition:
            found.append((condition, message))
        kind, test = tag.group(1), one_line(tag.group(2))
        condition = test if kind in {"if", "elif"} else ""
        position = tag.end()
    return found


def describe_when(when, names: set[str]) -> str:
    if when is None or when is True:
        return "always"
    match = re.fullmatch(r"\{\{\s*(\w+)\s*\}\}", str(when).strip())
    if match and match.group(1) in names:
        return f"only when `{match.group(1)}` is yes (true)"
    return f"only when `{one_line(when)}` is true"


def show(value) -> str:
    if isinstance(value, bool):
        return "yes (true)" if value else "no (false)"
    return f"`{value}`"


def choice_rows(choices) -> list[tuple[str, str]]:
    if isinstance(choices, dict):
        return [(str(value), str(label)) for label, value in choices.items()]
    return [(str(value), "") for value in choices]


def questions_page(copier_yml: Path = COPIER_YML) -> str:
    data = load(copier_yml)
    questions = {name: spec for name, spec in data.items() if is_question(name, spec)}
    names = set(questions)
    evaluated = defaults(data)
    hidden_lists = {
        name: spec["default"]
        for name, spec in data.items()
        if isinstance(spec, dict)
        and spec.get("when") is False
        and isinstance(spec.get("default"), list)
    }
    lines = [
        "# The questions",
        "",
        "<!-- Generated from copier.yml by `" + COMMAND + "`: do not edit by hand. -->",
        "",
        "!!! note",
        "    This page is generated from `copier.yml` by `" + COMMAND + "`. Change the",
        "    questions there and run the command again; `tests/test_docs.py` fails while this",
        "    page and `copier.yml` disagree.",
        "",
        "`copier copy` asks these questions in this order. `copier copy --defaults` takes every",
        "default. `copier update` asks them again, with your earlier answers as the defaults.",
        "Answer on the command line with `--data name=value` (`-d`), once per question.",
        "In the messages below, `{{ name }}` stands for the answer given.",
        "",
        "| question | type | default | asked |",
        "| --- | --- | --- | --- |",
    ]
    for name, spec in questions.items():
        default = evaluated.get(name)
        shown = show(default) if default not in (None, "") else "none"
        when = describe_when(spec.get("when"), names)
        lines.append(f"| [`{name}`](#{name}) | {spec['type']} | {shown} | {when} |")

    refused = []
    for name, spec in questions.items():
        lines += ["", f"## `{name}`", ""]
        if spec.get("help"):
            lines += [one_line(spec["help"]) + ".", ""]
        lines.append(f"- Type: `{spec['type']}`")
        raw = spec.get("default")
        if isinstance(raw, str) and "{{" in raw:
            lines.append(f"- Default: computed, `{one_line(raw)}`")
            if evaluated.get(name):
                lines.append(f"  (with the other defaults: {show(evaluated[name])})")
        elif raw is not None:
            lines.append(f"- Default: {show(raw)}")
        lines.append(f"- Asked: {describe_when(spec.get('when'), names)}")
        if spec.get("when") not in (None, True):
            lines.append("  (when not asked, the default is the answer)")
        if "choices" in spec:
            lines += ["- Choices:", ""]
            for value, label in choice_rows(spec["choices"]):
                lines.append(f"    - `{value}`" + (f": {label}" if label else ""))
        if spec.get("validator"):
            lines += ["", "Refused answers (the validator's test, then its message):", ""]
            for condition, message in refusals(spec["validator"]):
                lines.append(f"- `{condition}`:")
                lines.append(f"  {message}")
                for hidden in sorted(set(hidden_lists) & set(re.findall(r"\w+", condition))):
                    count = len(" ".join(map(str, hidden_lists[hidden])).split())
                    lines.append(f"  (`{hidden}` is not a question: a list of {count} names.)")
                others = sorted(
                    other for other in names - {name} if re.search(rf"\b{other}\b", condition)
                )
                if others:
                    refused.append((name, others, condition, message))

    lines += ["", "## Refused combinations", ""]
    lines += [
        "A validator that reads another question's answer refuses a combination of answers.",
        "Copier asks the question again, or, with `--defaults` or `--data`, stops with the",
        "message.",
        "",
    ]
    for name, others, condition, message in refused:
        with_others = ", ".join(f"`{other}`" for other in others)
        lines.append(f"- `{name}` with {with_others}, when `{condition}`: {message}")
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    page = questions_page()
    if "--check" in argv:
        if PAGE.read_text(encoding="utf-8") != page:
            print(f"{PAGE.relative_to(ROOT)} is stale: run {COMMAND}", file=sys.stderr)
            return 1
        return 0
    PAGE.write_text(page, encoding="utf-8")
    print(f"wrote {PAGE.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
