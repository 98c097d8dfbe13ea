"""The variants to render, computed from copier.yml itself: every value of every question
with choices (or a yes/no answer) at least once, and every pair of values of two questions
together at least once, leaving out the pairs its validators refuse. The slow tiers take a
smaller set: every value, and every pair of values that change behaviour together.

A new choice in copier.yml joins the matrix with no other edit.
"""

import itertools
from functools import cache
from pathlib import Path

import yaml
from jinja2 import Environment, StrictUndefined

TEMPLATE = Path(__file__).resolve().parents[2]
Answers = dict[str, object]
Pair = tuple[tuple[str, object], tuple[str, object]]


class _Loader(yaml.SafeLoader):
    """copier.yml's loader: `!include` reads a YAML file of the template."""


def _include(loader: yaml.SafeLoader, node: yaml.ScalarNode) -> list:
    """As Copier includes: the file's documents as one list, a list document flattened."""
    found = []
    for document in yaml.safe_load_all((TEMPLATE / loader.construct_scalar(node)).read_text()):
        found.extend(document if isinstance(document, list) else [document])
    return found


_Loader.add_constructor("!include", _include)


@cache
def questions() -> dict[str, dict]:
    config: dict = {}
    for document in yaml.load_all((TEMPLATE / "copier.yml").read_text(), Loader=_Loader):
        config.update(document)
    return {name: spec for name, spec in config.items() if not name.startswith("_")}


@cache
def dimensions() -> dict[str, tuple]:
    """The questions whose answers are enumerable, with their values, default first."""
    found = {}
    for name, spec in questions().items():
        if spec.get("when") is False:
            continue
        if "choices" in spec:
            choices = spec["choices"]
            values = list(choices.values()) if isinstance(choices, dict) else list(choices)
        elif spec.get("type") == "bool":
            values = [True, False]
        else:
            continue
        default = spec.get("default")
        found[name] = tuple(sorted(values, key=lambda value: value != default))
    return found


@cache
def _validator(name: str):
    """The compiled validator of question name, or None."""
    source = questions()[name].get("validator")
    if not source:
        return None
    environment = Environment(
        undefined=StrictUndefined,
        extensions=["jinja2_ansible_filters.AnsibleCoreFiltersExtension"],
    )
    return environment.from_string(source)


def refusals(answers: Answers) -> list[str]:
    """The messages of copier.yml's validators (of enumerable questions) for answers."""
    hidden = {
        name: spec["default"] for name, spec in questions().items() if spec.get("when") is False
    }
    messages = []
    for name in dimensions():
        validator = _validator(name)
        if validator:
            message = validator.render(**hidden, **answers).strip()
            if message:
                messages.append(" ".join(message.split()))
    return messages


def _pairs(answers: Answers) -> set[Pair]:
    return set(itertools.combinations(sorted(answers.items(), key=lambda item: item[0]), 2))


@cache
def _valid_assignments() -> tuple[dict, ...]:
    names = list(dimensions())
    assignments = (
        dict(zip(names, values, strict=True))
        for values in itertools.product(*dimensions().values())
    )
    return tuple(answers for answers in assignments if not refusals(answers))


def coverable_pairs() -> set[Pair]:
    return set().union(*(_pairs(answers) for answers in _valid_assignments()))


def refused_pairs() -> set[Pair]:
    """Pairs of values that no accepted combination of answers contains."""
    every = set()
    for (a, a_values), (b, b_values) in itertools.combinations(sorted(dimensions().items()), 2):
        every |= {((a, x), (b, y)) for x in a_values for y in b_values}
    return every - coverable_pairs()


# The answers that change what the app does when it runs, and the pairs of them whose
# combinations the slow tiers (booting, the rendered suites) must meet: the mail provider
# matters beside the features that send mail; the Python version and the CI service only
# change files that test_rendering checks on every pair.
RUN_TIME = frozenset({"platform", "database", "auth", "totp", "redis", "jobs", "sentry"})
MAIL_SENDERS = frozenset({"auth", "totp", "jobs"})


def changes_behaviour_together(a: str, b: str) -> bool:
    return {a, b} <= RUN_TIME or ("email" in {a, b} and bool({a, b} & MAIL_SENDERS))


def _greedy_cover(items_of) -> tuple[dict, ...]:
    """Accepted answer sets that together hold every item (a value or a pair of values) that
    some accepted set holds: the defaults first, then greedily the set that holds most items
    not yet held (the first such, for a stable order)."""
    candidates = [(answers, items_of(answers)) for answers in _valid_assignments()]
    chosen = [candidates[0]]  # every default: the product's first element
    uncovered = set().union(*(items for _, items in candidates)) - candidates[0][1]
    while uncovered:
        best = max(candidates, key=lambda candidate: len(candidate[1] & uncovered))
        chosen.append(best)
        uncovered -= best[1]
    return tuple(answers for answers, _ in chosen)


@cache
def covering_variants() -> tuple[dict, ...]:
    """Every value and every accepted pair of values, each in at least one variant."""
    return _greedy_cover(_pairs)


def _run_time_items(answers: Answers) -> set:
    pairs = {pair for pair in _pairs(answers) if changes_behaviour_together(pair[0][0], pair[1][0])}
    return pairs | set(answers.items())


@cache
def run_time_variants() -> tuple[dict, ...]:
    """Every value, and every accepted pair of values that change behaviour together."""
    return _greedy_cover(_run_time_items)


def variant_id(answers: Answers) -> str:
    defaults = covering_variants()[0]
    changed = [f"{name}={value}" for name, value in answers.items() if value != defaults[name]]
    return ",".join(changed) or "defaults"
