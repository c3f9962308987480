"""The first screen: every lesson with its number, title and progress; the cursor where the learner left off;
and, when review cards are due, how many (r asks them, on the review screen)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Footer, Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor import review
from tutor.curriculum import Curriculum
from tutor.messages import OpenLesson
from tutor.progress import ProgressStore, lesson_shape

MARKS = {"not started": " ", "in progress": "…", "done": "✓"}


class ContentsScreen(Screen[None]):
    """Reads the curriculum and the progress it is given; opening a lesson is an :class:`OpenLesson` message.
    ``clock`` says what is due (tests move it)."""

    def __init__(self, curriculum: Curriculum, progress: ProgressStore,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)) -> None:
        super().__init__()
        self.curriculum = curriculum
        self.progress = progress
        self.clock = clock
        self.due_count = 0

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Contents — choose a lesson and press enter. ? for keys, q to quit.", id="contents-intro")
        yield Static("", id="review-due", markup=False)
        yield OptionList(id="lessons")
        yield Static("", id="lesson-summary", markup=False)
        with VerticalScroll(id="lesson-errors-box"):  # focusable (tab), so a long list scrolls by keyboard
            yield Static("", id="lesson-errors", markup=False)
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lessons()
        errors = self.curriculum.errors
        box = self.query_one("#lesson-errors", Static)
        self.query_one("#lesson-errors-box").display = bool(errors) or not self.curriculum.lessons
        if errors:
            head = (f"{_count(len(errors), 'lesson')} could not be loaded"
                    + (" (tab here, then ↑↓ to scroll):" if len(errors) > 4 else ":"))
            box.update(head + "\n" + "\n".join(f"  {e}" for e in errors))
        elif not self.curriculum.lessons:
            from tutor.curriculum.loader import default_lessons_dir  # noqa: PLC0415

            box.update(f"No lessons in {default_lessons_dir()} (lesson files end in .md).")

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def refresh_lessons(self) -> None:
        self.due_count = len(review.due(self.progress, self.curriculum, self.clock()))
        due = self.query_one("#review-due", Static)
        due.display = self.due_count > 0
        due.update(f"Review · {self.due_count} due — r asks them again")
        self.refresh_bindings()
        options = self.query_one("#lessons", OptionList)
        lessons = self.curriculum.lessons
        options.clear_options()
        for lesson in lessons:
            status = self.progress.status(lesson_shape(lesson))
            label = f"{MARKS[status]} {lesson.order:>2}. {lesson.title:<44} {status}"
            options.add_option(Option(Text(label), id=lesson.id))  # Text: a title's [brackets] are literal
        if not lessons:
            return
        options.highlighted = self._cursor_index()
        options.focus()

    def _cursor_index(self) -> int:
        lessons = self.curriculum.lessons
        last = self.progress.last_lesson
        for i, lesson in enumerate(lessons):
            if lesson.id == last:
                return i
        for i, lesson in enumerate(lessons):
            if self.progress.status(lesson_shape(lesson)) != "done":
                return i
        return 0

    @on(OptionList.OptionHighlighted, "#lessons")
    def _describe(self, event: OptionList.OptionHighlighted) -> None:
        lesson = next((x for x in self.curriculum.lessons if x.id == event.option.id), None)
        if lesson is None:
            return
        labs = sum(len(page.labs) for page in lesson.pages)
        self.query_one("#lesson-summary", Static).update(
            f"{lesson.summary}\n{_count(len(lesson.pages), 'page')}, {_count(labs, 'lab')}, "
            f"{_count(len(lesson.checks), 'check')}.")

    @on(OptionList.OptionSelected, "#lessons")
    def _open(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.post_message(OpenLesson(event.option.id))


def _count(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
