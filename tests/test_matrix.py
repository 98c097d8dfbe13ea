"""The sets of variants, computed from copier.yml: the covering set holds every value and every
pair of values that the validators accept, the run-time set every value and every accepted pair
that changes behaviour together, and the pairs the validators refuse are refused with the
validator's message."""

import itertools

import pytest

from .support import matrix
from .support.rendering import answers_of, render


@pytest.mark.parametrize("variants", [matrix.covering_variants, matrix.run_time_variants])
def test_every_value_of_every_question_is_in_the_set(variants):
    for name, values in matrix.dimensions().items():
        assert {variant[name] for variant in variants()} == set(values), name


def test_every_accepted_pair_of_values_is_rendered_together():
    covered = set().union(*(matrix._pairs(variant) for variant in matrix.covering_variants()))
    assert covered == matrix.coverable_pairs()
    every = sum(len(a) * len(b) for a, b in itertools.combinations(matrix.dimensions().values(), 2))
    assert len(covered) + len(matrix.refused_pairs()) == every


def test_the_run_time_set_holds_every_accepted_pair_that_changes_behaviour_together():
    wanted = {
        pair
        for pair in matrix.coverable_pairs()
        if matrix.changes_behaviour_together(pair[0][0], pair[1][0])
    }
    assert ("database", "sqlite") in {value for pair in wanted for value in pair}
    covered = set().union(*(matrix._pairs(variant) for variant in matrix.run_time_variants()))
    assert wanted <= covered
    assert len(matrix.run_time_variants()) < len(matrix.covering_variants())


def test_the_mail_provider_meets_the_features_that_send_mail_but_not_the_platform():
    assert matrix.changes_behaviour_together("email", "auth")
    assert matrix.changes_behaviour_together("platform", "database")
    assert not matrix.changes_behaviour_together("email", "platform")
    assert not matrix.changes_behaviour_together("python_version", "database")


def test_the_first_variant_is_the_default_project(default_project):
    answers = answers_of(default_project)
    defaults = {name: answers[name] for name in matrix.dimensions()}
    assert defaults == matrix.covering_variants()[0] == matrix.run_time_variants()[0]


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
