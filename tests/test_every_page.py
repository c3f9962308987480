"""Every page of every lesson opens at 80×24: its widgets compose without an error, the bar above it says
which page it is, and the page's title is on screen. Pages are shown by jumping to them, and no lab trains:
a lab that starts by itself (autorun) gets an empty result at once. test_lessons_ui.py runs the labs."""

import pytest
from textual.geometry import Region

from tutor.curriculum import PredictSpec, load_curriculum
from tutor.widgets import lab as lab_module

from .conftest import LESSONS

LESSON_IDS = [lesson.id for lesson in load_curriculum(LESSONS).lessons]


@pytest.fixture
def no_training(monkeypatch):
    monkeypatch.setattr(lab_module.registry, "run",
                        lambda name, params, ctx, on_wait=None: {"summary": "", "figure": None})


def test_every_lesson_is_walked():
    assert len(LESSON_IDS) == len(list(LESSONS.glob("*.md"))) >= 7


@pytest.mark.parametrize("lesson_id", LESSON_IDS)
async def test_every_page_opens_at_80x24(make_app, no_training, lesson_id):
    app = make_app(start_lesson=lesson_id)
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        lesson = screen.lesson
        bar = screen.query_one("#lesson-bar")
        for index, page in enumerate(lesson.pages):
            screen.show_page(index)
            await pilot.pause()
            where = f"{lesson_id}, page {index + 1} ({page.title!r})"
            assert app.screen is screen and screen.page == index, where
            view = screen.current
            # The title, then one widget per block (a prediction is asked inside its lab's widget).
            shown = [block for block in page.blocks if not isinstance(block, PredictSpec)]
            assert len(view.children) == 1 + len(shown), where
            assert bar.region == Region(0, 1, 80, 1), where  # under the header, the full width, one row
            line = bar.render_line(0).text.rstrip()
            assert line.startswith(f"{lesson.order}. ") and f"page {index + 1}/{len(lesson.pages)}" in line, line
            title = view.query_one(".page-title")
            assert str(title.render()) == page.title, where
            assert title.region.height >= 1 and view.region.contains_region(title.region), where
            assert screen.region.contains_region(view.region), where
