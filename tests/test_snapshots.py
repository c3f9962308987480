"""SVG snapshots of the screens that matter (Textual and Rich are pinned in the test extra)."""

from tutor.progress import ProgressStore


def test_contents_snapshot(snap_compare, make_app, tmp_path):
    assert snap_compare(make_app(progress=ProgressStore(tmp_path / "s.json")), terminal_size=(80, 24))


def test_lesson_page_snapshot(snap_compare, make_app, tmp_path):
    app = make_app(progress=ProgressStore(tmp_path / "s.json"), start_lesson="vanishing-gradients")
    assert snap_compare(app, terminal_size=(80, 24))  # page 1: prose (a lab page shows measured times)
