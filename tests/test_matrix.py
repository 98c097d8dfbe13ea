"""The covering set of variants, computed from copier.yml: it holds every value and every
pair of values that the validators accept, and the pairs they refuse are refused with the
validator's message."""

import itertools

import pytest

from .support import matrix
from .support.rendering import answers_of, render


def test_every_value_of_every_question_is_rendered():
    variants = matrix.covering_variants()
    for name, values in matrix.dimensions().items():
        assert {variant[name] for variant in variants} == set(values), name


def test_every_accepted_pair_of_values_is_rendered_together():
    covered = set().union(*(matrix._pairs(variant) for variant in matrix.covering_variants()))
    assert covered == matrix.coverable_pairs()
    every = sum(len(a) * len(b) for a, b in itertools.combinations(matrix.dimensions().values(), 2))
    assert len(covered) + len(matrix.refused_pairs()) == every


def test_the_first_variant_is_the_default_project(default_project):
    answers = answers_of(default_project)
    assert {name: answers[name] for name in matrix.dimensions()} == matrix.covering_variants()[0]


@pytest.mark.parametrize(
    "pair", sorted(matrix.refused_pairs()), ids=lambda pair: ",".join(f"{k}={v}" for k, v in pair)
)
def test_a_refused_pair_is_refused_with_its_message(pair, tmp_path):
    answers = dict(pair)
    messages = matrix.refusals({**matrix.covering_variants()[0], **answers})
    assert messages, "the validators accept this pair after all"
    with pytest.raises(ValueError) as refused:
        render(tmp_path / "app", **answers)
    assert messages[0] in " ".join(str(refused.value).split())
