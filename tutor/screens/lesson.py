"""A lesson: its pages (prose, labs, checks), one at a time, with page keys and the lab keys."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches
from textual.screen import Screen
from textual.widgets import ContentSwitcher, Footer, Header, Input, Markdown, OptionList, Select, Static

from tutor.curriculum.model import CheckSpec, ExerciseSpec, LabSpec, Lesson, Prose
from tutor.widgets.check import CheckView
from tutor.widgets.exercise import ExerciseView
from tutor.widgets.lab import LabView

if TYPE_CHECKING:
    from tutor.app import TutorApp


class PageView(VerticalScroll, inherit_bindings=False):
    """A page that scrolls vertically only, so ← and → are free to turn pages."""

    BINDINGS = [
        Binding("up", "scroll_up", "Scroll up", show=False),
        Binding("down", "scroll_down", "Scroll down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown,space", "page_down", "Page down", show=False),
        Binding("home", "scroll_home", "Top", show=False),
        Binding("end", "scroll_end", "Bottom", show=False),
    ]


class LessonScreen(Screen[None]):
    app: "TutorApp"

    BINDINGS = [
        Binding("n,right", "page(1)", "Next", id="next-page"),
        Binding("p,left", "page(-1)", "Prev", id="previous-page"),
        Binding("t", "toggle_lab", "Run/stop lab", id="toggle-lab"),
        Binding("c", "clear_chart", "Clear kept", show=False),
        Binding("full_stop", "step(1)", "Step forward", show=False),
        Binding("comma", "step(-1)", "Step back", show=False),
        Binding("escape", "back", "Contents", id="contents"),
        Binding("e", "edit_exercise", "Edit exercise", id="edit-exercise"),
    ]

    def __init__(self, lesson: Lesson, page: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.page = max(0, min(page, len(lesson.pages) - 1))

    def on_resize(self) -> None:
        self.app.check_size()

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="lesson-bar", markup=False)
        with ContentSwitcher(initial=f"page-{self.page}", id="pages"):
            for index, page in enumerate(self.lesson.pages):
                with PageView(id=f"page-{index}", classes="page"):
                    yield Static(page.title, classes="page-title", markup=False)
                    for block in page.blocks:
                        if isinstance(block, Prose):
                            yield Markdown(block.markdown, classes="prose")
                        elif isinstance(block, LabSpec):
                            yield LabView(block, self.app.progress.marker)
                        elif isinstance(block, CheckSpec):
                            yield CheckView(block, self.app.progress.answer(self.lesson.id, block.id))
                        elif isinstance(block, ExerciseSpec):
                            yield ExerciseView(block)
        yield Footer()

    def on_mount(self) -> None:
        self.show_page(self.page)
        for lab in self.query(LabView):
            if lab.spec.autorun and not lab.experiment.uses_tensorflow:
                lab.start()

    # -- pages -------------------------------------------------------------------------------------------
    @property
    def current(self) -> PageView:
        return self.query_one(f"#page-{self.page}", PageView)

    def show_page(self, index: int) -> None:
        self.page = index
        self.query_one("#pages", ContentSwitcher).current = f"page-{index}"
        page = self.lesson.pages[index]
        total = len(self.lesson.pages)
        self.query_one("#lesson-bar", Static).update(
            f"{self.lesson.order}. {self.lesson.title} · page {index + 1}/{total} · {page.title}")
        self.current.focus()
        self.call_after_refresh(self.refresh_bindings)  # the footer offers e on exercise pages only
        self.app.progress.see_page(self.app.shape(self.lesson), index)
        self.app.report_save_error()

    def action_page(self, delta: int) -> None:
        target = self.page + delta
        if 0 <= target < len(self.lesson.pages):
            self.show_page(target)
        elif target >= len(self.lesson.pages):
            self.notify("That was the last page. Escape returns to the contents.", timeout=3)

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, (Input, Select, OptionList)):
            self.current.focus()
            return
        self.app.pop_screen()

    # -- labs --------------------------------------------------------------------------------------------
    def _lab(self) -> LabView | None:
        labs = list(self.current.query(LabView))
        if not labs:
            return None
        focused = self.focused
        for lab in labs:  # the lab holding the focus, else the first on the page
            if focused is not None and lab in focused.ancestors_with_self:
                return lab
        return labs[0]

    def action_toggle_lab(self) -> None:
        lab = self._lab()
        if lab is None:
            self.notify("There is no lab on this page.", timeout=2)
            return
        lab.toggle()
        if lab.running:
            lab.chart.scroll_visible(animate=False)

    def action_clear_chart(self) -> None:
        lab = self._lab()
        if lab is not None:
            lab.clear_kept()

    def action_step(self, delta: int) -> None:
        lab = self._lab()
        if lab is not None and lab.spec.step_param:
            lab.step(delta)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "edit_exercise":  # in the footer only on a page with an exercise
            try:
                return bool(self.current.query(ExerciseView))
            except NoMatches:  # before the pages are mounted
                return False
        return True

    def action_edit_exercise(self) -> None:
        views = list(self.current.query(ExerciseView))
        if views:
            views[0].edit()
        else:
            self.notify("There is no exercise on this page.", timeout=2)

    @on(CheckView.Answered)
    def _answered(self, event: CheckView.Answered) -> None:
        self.app.progress.record_answer(self.app.shape(self.lesson), event.check.id, event.given, event.correct)
        self.app.report_save_error()
