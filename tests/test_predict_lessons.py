"""The lessons' predictions: every lesson from 2 to 7 asks at least one, and each NumPy lab's deciding value
falls in the same choice for seeds 0–4 at its block's parameters (tests/bench_predictions.py runs the Keras
ones by hand)."""

from __future__ import annotations

import pytest

from tutor.curriculum import load_curriculum
from tutor.engine import registry

from .bench_predictions import outcomes, stable
from .conftest import LESSONS

CURRICULUM = load_curriculum(LESSONS)
PREDICTIONS = [(lesson.id, spec) for lesson in CURRICULUM.lessons for spec in lesson.predictions]


def test_every_lesson_from_2_to_7_predicts():
    per_lesson = {lesson.order: len(lesson.predictions) for lesson in CURRICULUM.lessons}
    assert all(per_lesson[order] >= 1 for order in range(2, 8)), per_lesson
    assert sum(per_lesson[order] for order in range(2, 8)) >= 12


@pytest.mark.parametrize(("lesson_id", "spec"), [
    (lesson_id, spec) for lesson_id, spec in PREDICTIONS if not registry.get(spec.experiment).uses_tensorflow],
    ids=lambda value: getattr(value, "id", value))
def test_a_numpy_labs_prediction_has_one_answer_for_every_seed(lesson_id, spec):
    results = outcomes(spec)
    assert stable(results), [(r.seed, r.shown, r.choice) for r in results]
