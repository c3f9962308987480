"""Progress: saved atomically, resumed, and never silently lost when the file is damaged."""

import json

from tutor.progress import LessonShape, ProgressStore

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
