"""The first screen: every lesson with its number, title and progress; the cursor where the learner left off;
and, when there are review cards, how many are due (r asks them, on the review screen) or, with none due, a
quiet line saying when the next one is.

It is drawn from the lessons' front matter (:class:`Outline`); when the app has read the bodies it calls
:meth:`ContentsScreen.lessons_read`, which adds each lesson's pages, labs and checks, moves a lesson whose body is
broken to the error list, and counts the review cards."""

from __future__ import annotations

import textwrap
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Callable

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Header, OptionList, Static
from textual.widgets.option_list import Option

from tutor.curriculum.model import Curriculum, Outline
from tutor.lazy import lazy
from tutor.messages import OpenLesson
from tutor.progress import ProgressStore
from tutor.widgets.footer import Footer

if TYPE_CHECKING:
    from tutor import review
else:
    review = lazy("tutor.review")  # FSRS: for the due count, once the lessons are read

MARKS = {"not started": " ", "in progress": "…", "done": "✓"}


class ErrorList(Static):
    """A heading and a list of errors, each error's wrapped lines hanging under its first (Rich wraps every
    line at the left edge, so a long error ran back under the heading). Wrapped here, again at each resize."""

    INDENT = "  "  # an error's first line; its further lines take two more

    def __init__(self, id: str | None = None) -> None:  # noqa: A002 - Textual's name for it
        super().__init__("", markup=False, id=id)
        self._head = ""
        self._items: list[str] = []

    def show(self, head: str, items: list[str] | None = None) -> None:
        self._head, self._items = head, list(items or [])
        self._wrap()

    def on_resize(self) -> None:
        self._wrap()

    def _wrap(self) -> None:
        width = self.content_size.width or self.app.size.width - 4  # before the first layout: about the box's
        lines = [self._head]
        for item in self._items:
            lines += textwrap.wrap(item, width=max(width, 20), initial_indent=self.INDENT,
                                   subsequent_indent=self.INDENT * 2, break_on_hyphens=False) or [self.INDENT]
        self.update(Text("\n".join(lines)))


class ContentsScreen(Screen[None]):
    """Reads the outline (and, once given, the curriculum) and the progress it is given; opening a lesson is an
    :class:`OpenLesson` message. ``clock`` says what is due (tests move it)."""

    def __init__(self, outline: Outline, progress: ProgressStore,
                 clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc),
                 curriculum: Curriculum | None = None) -> None:
        super().__init__()
        self.outline = outline
        self.curriculum = curriculum  # None until the app has read the lesson bodies
        self.progress = progress
        self.clock = clock
        self.due_count = 0  # review cards due now
        self.card_count = 0  # review cards that can be asked, due or not

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("Contents — choose a lesson and press enter. ? for keys, q to quit.", id="contents-intro")
        yield Static("", id="review-due", markup=False)
        yield OptionList(id="lessons")
        yield Static("", id="lesson-summary", markup=False)
        with VerticalScroll(id="lesson-errors-box"):  # focusable (tab), so a long list scrolls by keyboard
            yield ErrorList(id="lesson-errors")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_lessons()
        self._show_errors()

    def lessons_read(self, curriculum: Curriculum) -> None:
        """The lesson bodies are read: show what the front matter could not tell."""
        self.outline, self.curriculum = Outline.of(curriculum), curriculum
        if self.is_mounted:
            self.refresh_lessons(keep_cursor=True)  # where the learner has moved it since the first paint
            self._show_errors()

    def _show_errors(self) -> None:
        errors = self.outline.errors
        box = self.query_one("#lesson-errors", ErrorList)
        self.query_one("#lesson-errors-box").display = bool(errors) or not self.outline.heads
        if errors:
            head = (f"{_count(len(errors), 'lesson')} could not be loaded"
                    + (" (tab here, then ↑↓ to scroll):" if len(errors) > 4 else ":"))
            box.show(head, [str(e) for e in errors])
        elif not self.outline.heads:
            from tutor.curriculum.outline import default_lessons_dir  # noqa: PLC0415

            box.show(f"No lessons in {default_lessons_dir()} (lesson files end in .md).")

    def on_screen_resume(self) -> None:
        self.refresh_lessons()

    def refresh_review(self) -> None:
        """The review line: how many cards are due, or, with none due, how many there are and when the next
        one is (quietly: there is nothing to do yet)."""
        line = self.query_one("#review-due", Static)
        cards = [] if self.curriculum is None else review.askable(self.progress, self.curriculum)
        now = self.clock()
        self.card_count = len(cards)
        self.due_count = sum(1 for card in cards if card.due <= now)
        line.display = bool(cards)
        line.set_class(not self.due_count, "-quiet")
        if self.due_count:
            line.update(f"Review · {self.due_count} due — r asks them again")
        elif cards:
            line.update(f"Review · {_count(len(cards), 'card')}, next due {review.day_words(cards[0].due, now)}")
        self.refresh_bindings()

    def refresh_lessons(self, keep_cursor: bool = False) -> None:
        self.refresh_review()
        options = self.query_one("#lessons", OptionList)
        lessons = self.outline.heads
        highlighted = options.highlighted
        keep_cursor = keep_cursor and [option.id for option in options.options] == [lesson.id for lesson in lessons]
        options.clear_options()
        for lesson in lessons:
            status = self.progress.status(lesson.id)
            label = f"{MARKS[status]} {lesson.order:>2}. {lesson.title:<44} {status}"
            options.add_option(Option(Text(label), id=lesson.id))  # Text: a title's [brackets] are literal
        if not lessons:
            self.query_one("#lesson-summary", Static).update("")
            return
        options.highlighted = highlighted if keep_cursor and highlighted is not None else self._cursor_index()
        if not keep_cursor or self.focused is None:
            options.focus()
        self._describe_lesson(options.highlighted)

    def _cursor_index(self) -> int:
        lessons = self.outline.heads
        last = self.progress.last_lesson
        for i, lesson in enumerate(lessons):
            if lesson.id == last:
                return i
        for i, lesson in enumerate(lessons):
            if self.progress.status(lesson.id) != "done":
                return i
        return 0

    @on(OptionList.OptionHighlighted, "#lessons")
    def _describe(self, event: OptionList.OptionHighlighted) -> None:
        self._describe_lesson(event.option_index)

    def _describe_lesson(self, index: int | None) -> None:
        if index is None or not 0 <= index < len(self.outline.heads):
            return
        head = self.outline.heads[index]
        lesson = self.curriculum.get(head.id) if self.curriculum is not None else None
        if lesson is None:  # the body is not read yet: the front matter's line alone
            self.query_one("#lesson-summary", Static).update(head.summary)
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
