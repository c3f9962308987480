"""Progress: saved atomically, resumed, and never silently lost when the file is damaged."""

import json

from tutor.progress import VERSION, LessonShape, ProgressStore

SHAPE = LessonShape("vanishing-gradients", pages=3, check_ids=("a",))


def test_progress_round_trip_and_done(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    assert store.status(SHAPE) == "not started"
    store.see_page(SHAPE, 0)
    assert ProgressStore(path).status(SHAPE) == "in progress"
    store.see_page(SHAPE, 1)
    store.see_page(SHAPE, 2)
    assert store.status(SHAPE) == "in progress", "a check is still unanswered"
    store.record_answer(SHAPE, "a", 1, True)
    again = ProgressStore(path)
    assert again.status(SHAPE) == "done"
    assert again.last_page(SHAPE.id) == 2 and again.last_lesson == SHAPE.id
    assert again.answer(SHAPE.id, "a") == {"answer": 1, "correct": True}
    assert not list(tmp_path.glob(".progress.json-*")), "no temporary file is left behind"


def test_corrupt_file_is_moved_aside_and_kept(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("{ this is not json", encoding="utf-8")
    store = ProgressStore(path)
    assert store.warning and "could not be read" in store.warning
    kept = list(tmp_path.glob("progress.json.damaged-*"))
    assert len(kept) == 1 and kept[0].read_text() == "{ this is not json"
    store.see_page(SHAPE, 0)
    assert store.flush()
    assert json.loads(path.read_text())["lessons"][SHAPE.id]["pages_seen"] == [0]


def test_wrong_shape_is_treated_as_damaged(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text("[1, 2, 3]", encoding="utf-8")
    store = ProgressStore(path)
    assert store.warning and list(tmp_path.glob("progress.json.damaged-*"))


def test_unwritable_folder_reports_instead_of_crashing(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    store = ProgressStore(blocker / "progress.json")
    store.see_page(SHAPE, 0)
    assert not store.flush(), "the write failed, so something is left unsaved"
    assert store.save_error and "could not be saved" in store.save_error
    assert store.status(SHAPE) == "in progress", "the progress stays in memory"


def test_marker_setting_persists(tmp_path):
    path = tmp_path / "progress.json"
    ProgressStore(path).set_marker("blocks")
    assert ProgressStore(path).marker == "blocks"


# -- the format: a version, and sections an instance does not know ------------------------------------------
# progress.json as b1e7222 wrote it (version 1: no exercises section).
VERSION_1 = {"version": 1, "last_lesson": "vanishing-gradients", "last_lesson_at": 1764400000.0,
             "settings": {"marker": "dots"},
             "lessons": {"vanishing-gradients": {"pages_seen": [0, 1], "last_page": 1, "updated": 1764400000.0,
                                                 "done": False, "checks": {"a": {"answer": 1, "correct": True}}}}}


def test_a_version_1_file_loads_unchanged(tmp_path):
    path = tmp_path / "progress.json"
    path.write_text(json.dumps(VERSION_1))
    store = ProgressStore(path)
    assert store.warning is None and not list(tmp_path.glob("*.damaged-*"))
    assert {key: store.data[key] for key in VERSION_1 if key != "version"} == {
        key: value for key, value in VERSION_1.items() if key != "version"}
    store.record_pass("rnn_step")
    assert store.flush()
    saved = json.loads(path.read_text())
    assert saved["version"] == VERSION and saved["lessons"] == VERSION_1["lessons"]
    assert "passed_at" in saved["exercises"]["rnn_step"]


def test_an_older_instance_keeps_what_a_newer_one_wrote(tmp_path):
    """A newer version adds sections and keys; this one merges its changes and writes them all back."""
    path = tmp_path / "progress.json"
    newer = {**VERSION_1, "version": VERSION + 1,
             "reviews": {"cards": [{"check": "a", "due": 1764500000.0}]},
             "settings": {"marker": "sextants", "theme": "dark"}}
    newer["lessons"] = {"vanishing-gradients": {**VERSION_1["lessons"]["vanishing-gradients"],
                                                "predictions": {"flow": {"choice": 2}}}}
    newer["exercises"] = {"rnn_step": {"hints": 1, "attempts": 3}}
    path.write_text(json.dumps(newer))
    store = ProgressStore(path)
    assert store.warning is None
    assert store.marker == "braille", "a marker this version does not draw"
    store.see_page(SHAPE, 2)
    store.record_hint("rnn_step", 2)
    assert store.flush()
    saved = json.loads(path.read_text())
    assert saved["version"] == VERSION + 1, "the version is never lowered"
    assert saved["reviews"] == newer["reviews"] and saved["settings"] == newer["settings"]
    lesson = saved["lessons"]["vanishing-gradients"]
    assert lesson["predictions"] == {"flow": {"choice": 2}} and lesson["pages_seen"] == [0, 1, 2]
    assert saved["exercises"]["rnn_step"] == {"hints": 2, "attempts": 3}


def test_unknown_sections_survive_a_merge_with_another_instance(tmp_path):
    path = tmp_path / "progress.json"
    old = ProgressStore(path)  # started before the newer instance wrote its section
    path.write_text(json.dumps({**VERSION_1, "version": VERSION + 1, "reviews": {"due": 3}}))
    old.see_page(SHAPE, 2)
    assert old.flush()
    saved = json.loads(path.read_text())
    assert saved["reviews"] == {"due": 3} and saved["version"] == VERSION + 1
    assert old.data["reviews"] == {"due": 3}, "what the merge read is this instance's copy now"


def test_exercise_passes_and_hints_round_trip(tmp_path):
    path = tmp_path / "progress.json"
    store = ProgressStore(path)
    store.record_pass("rnn_step")
    store.record_hint("lstm_step", 2)
    store.record_hint("lstm_step", 1)  # asking for an earlier hint again does not hide the later one
    assert store.flush()
    again = ProgressStore(path)
    assert again.exercise_passed("rnn_step") and not again.exercise_passed("lstm_step")
    assert again.hint_level("lstm_step") == 2 and again.hint_level("gru_step") == 0
    again.forget_pass("rnn_step")
    assert again.flush()
    assert not ProgressStore(path).exercise_passed("rnn_step")
    assert ProgressStore(path).hint_level("lstm_step") == 2, "a reset exercise keeps its hints shown"
