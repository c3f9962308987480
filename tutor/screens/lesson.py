"""A lesson: its pages (prose, labs, checks), one at a time, with page keys and the lab keys.

A page's widgets are composed when the page is first shown and stay mounted after: opening a lesson builds
one page, not all of them, and a page turn only switches which page is displayed. The screen itself never
scrolls; each page does (one scroll area), under a bar that is always visible.
"""

from __future__ import annotations

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.css.query import NoMatches, QueryType
from textual.notifications import Notification, Notify
from textual.screen import Screen
from textual.widget import AwaitMount, Widget
from textual.widgets import ContentSwitcher, Header, Input, Markdown, OptionList, Select, Static

from tutor.curriculum.model import CheckSpec, ExerciseSpec, LabSpec, Lesson, Prose, SourceSpec
from tutor.engine import registry
from tutor.messages import Answered, Graded, NeedEngine, PageSeen, Predicted
from tutor.progress import ProgressStore
from tutor.widgets.check import CheckView
from tutor.widgets.exercise import ExerciseView
from tutor.widgets.lab import LabView
from tutor.widgets.predict import PredictView
from tutor.widgets.footer import Footer
from tutor.widgets.source import SourceView


class PageView(VerticalScroll, can_focus=False, inherit_bindings=False):
    """A page. It takes no focus: the screen scrolls the shown page, so a page turn moves no focus (a focus
    change restyles the whole screen and rebuilds the footer, the largest cost of a page turn)."""

    filled = False


STEP = Binding.Group("step a stepping lab forward / back")
SCROLL = Binding.Group("scroll the page")
# One row of the help (which fits 80×24 with none to spare): the lab's two extra keys.
LAB_EXTRAS = Binding.Group("c clears a lab's kept runs; a asks its prediction again")
EXERCISE = Binding.Group("exercise: edit (e), hint (h), solution (v), engine code (o)")


def uses_keras(lesson: Lesson, pages: range) -> bool:
    return any(registry.get(lab.experiment).uses_tensorflow
               for index in pages if 0 <= index < len(lesson.pages) for lab in lesson.pages[index].labs)


# Escape and a key that reach the app in one read (typed quickly over a slow SSH link, or pasted) are parsed as
# the key with Alt: ESC n is what a terminal sends for Alt+n. Escape and a digit arrive as the character a Mac's
# Option and that digit type (Textual reads ESC 1 as "¡", for WezTerm); escape and enter, or a full stop, lose
# the escape in the parser, and nothing here can tell them from the key alone.
AFTER_ESCAPE: dict[str, str] = {
    **{f"alt+{key}": key for key in (*"nptacehvosqmr", "enter", "left", "right", *"123456789")},
    **{char: str(digit) for digit, char in enumerate("¡™£¢∞§¶•ª", start=1)},
}
CHARACTER = {"enter": "\r", "left": None, "right": None}


class EscapeThenKey(Screen[None]):
    """Escape and a key in one read, as :data:`AFTER_ESCAPE` names them: the escape, then the key. Priority
    bindings, so that a focused field reads them before it would type the key's character. They are not in
    LessonScreen.BINDINGS, from which the help's table is built: they are not keys to learn."""

    BINDINGS = [Binding(alt, f"escape_then({key!r})", show=False, priority=True) for alt, key in AFTER_ESCAPE.items()]

    def action_back(self) -> None:
        self.app.pop_screen()

    async def action_escape_then(self, key: str) -> None:
        self.action_back()
        # Handled now, as the app handles a key from the terminal (to the screen shown after the escape), not
        # posted: a key posted now would come after the keys of the same read that are still queued.
        await self.app.on_event(events.Key(key, CHARACTER.get(key, key)))


class LessonScreen(EscapeThenKey):
    """Reads earlier answers from the progress it is given; a page seen and a check answered go to the App as
    :class:`PageSeen` and :class:`Answered` messages."""

    # No focus on resume: Textual's default ("*") would focus the first focusable widget in the DOM, which can be
    # a check or a field on a page that is not shown; the scroll keys would then go to that hidden widget.
    AUTO_FOCUS = ""

    # The tooltips are the help screen's key table (tutor/screens/help.py builds it from these bindings).
    BINDINGS = [
        Binding("n,right", "page(1)", "Next", id="next-page", tooltip="next page"),
        Binding("p,left", "page(-1)", "Prev", id="previous-page", tooltip="previous page"),
        Binding("t", "toggle_lab", "Run/stop lab", id="toggle-lab",
                tooltip="start the lab on this page, or stop it while it runs"),
        # Not in the footer (on a page with a prediction it left no room for "? Help"): the verdict names it.
        Binding("a", "ask_again", "Ask", id="ask-again", show=False, tooltip="ask the page's prediction again",
                group=LAB_EXTRAS),
        Binding("c", "clear_chart", "Clear kept", show=False, tooltip="clear the runs kept on a lab's chart",
                group=LAB_EXTRAS),
        Binding("full_stop", "step(1)", "Step forward", show=False, group=STEP),
        Binding("comma", "step(-1)", "Step back", show=False, group=STEP),
        Binding("escape", "back", "Contents", id="contents",
                tooltip="leave a field; again: the contents (a running lab goes on)"),
        Binding("e", "edit_exercise", "Edit exercise", id="edit-exercise", group=EXERCISE,
                tooltip="open this page's exercise in your editor"),
        # h and v are not in the footer (it would cut "q Quit  ? Help" at 80 columns): the exercise and help name
        # them. One group: one row of the help screen, which fills 80×24.
        Binding("h", "exercise_hint", "Hint", id="exercise-hint", show=False, group=EXERCISE),
        Binding("v", "exercise_solution", "Solution", id="exercise-solution", show=False, group=EXERCISE),
        # o: the engine's code on a page after an exercise, before that exercise passes (it asks first).
        Binding("o", "open_source", "Open code", id="open-source", show=False, group=EXERCISE),
        Binding("up", "scroll('up')", "Scroll up", show=False, group=SCROLL),
        Binding("down", "scroll('down')", "Scroll down", show=False, group=SCROLL),
        Binding("pageup", "scroll('page_up')", "Page up", show=False, group=SCROLL),
        Binding("pagedown,space", "scroll('page_down')", "Page down", show=False, group=SCROLL),
        Binding("home", "scroll('home')", "Top", show=False, group=SCROLL),
        Binding("end", "scroll('end')", "Bottom", show=False, group=SCROLL),
    ]

    def __init__(self, lesson: Lesson, progress: ProgressStore, page: int = 0) -> None:
        super().__init__()
        self.lesson = lesson
        self.progress = progress
        self.page = max(0, min(page, len(lesson.pages) - 1))
        self._last_page_notice: Notification | None = None
        self._mounting: list[AwaitMount] = []  # pages composed whose widgets may not be mounted yet

    def compose(self) -> ComposeResult:
        yield Header(show_clock=False)
        yield Static("", id="lesson-bar", markup=False)
        with ContentSwitcher(id="pages"):
            for index in range(len(self.lesson.pages)):
                yield PageView(id=f"page-{index}", classes="page")
        yield Footer()

    def on_mount(self) -> None:
        self.show_page(self.page)

    def on_screen_resume(self) -> None:
        # A kept screen shown again (from the contents or ctrl+p) is the lesson the learner is in: the contents
        # cursor and the next start follow last_lesson.
        if self.is_mounted and self.progress.last_lesson != self.lesson.id:
            self.post_message(PageSeen(self.lesson, self.page))
        if self.is_mounted:  # what a lab reported while the learner was elsewhere
            for lab in self.current.query(LabView):
                lab.catch_up()

    def _page_widgets(self, index: int) -> list[Widget]:
        page = self.lesson.pages[index]
        widgets: list[Widget] = [Static(page.title, classes="page-title", markup=False)]
        for block in page.blocks:
            if isinstance(block, Prose):
                widgets.append(Markdown(block.markdown, classes="prose"))
            elif isinstance(block, LabSpec):
                question = next((p for p in page.predictions if p.experiment == block.experiment), None)
                answered = None if question is None else self.progress.prediction(self.lesson.id, question.id)
                widgets.append(LabView(block, question, answered))
            elif isinstance(block, CheckSpec):
                widgets.append(CheckView(block, self.progress.answer(self.lesson.id, block.id)))
            elif isinstance(block, ExerciseSpec):
                widgets.append(ExerciseView(block, self.progress))
            elif isinstance(block, SourceSpec):
                widgets.append(SourceView(block, self.progress))
        return widgets

    # -- pages -------------------------------------------------------------------------------------------
    @property
    def current(self) -> PageView:
        return self.query_one(f"#page-{self.page}", PageView)

    def show_page(self, index: int) -> None:
        self.page = index
        view = self.current
        if not view.filled:
            view.filled = True
            self._mounting.append(view.mount_all(self._page_widgets(index)))
        self.query_one("#pages", ContentSwitcher).current = view.id
        page = self.lesson.pages[index]
        total = len(self.lesson.pages)
        self.query_one("#lesson-bar", Static).update(
            f"{self.lesson.order}. {self.lesson.title} · page {index + 1}/{total} · {page.title}")
        focused = self.focused
        if focused is not None and view not in focused.ancestors:
            self.set_focus(None)  # a field of the page left behind
        for question in view.query(PredictView):
            if question.asking:  # asked when the page was first shown: its digits answer it
                # At once, not with Widget.focus (which waits for the next idle): a page turn behind it in the
                # same read would find no focus to take away, and the question of a page no longer shown
                # would be focused after it.
                self.set_focus(question, scroll_visible=False)
        self.post_message(PageSeen(self.lesson, index))
        if uses_keras(self.lesson, range(index, index + 2)):
            # TensorFlow loads (about 4 s on a quiet machine, in the background) while the learner reads the
            # page before a Keras lab, not at start: it competes with the UI for the CPU and the GIL.
            self.post_message(NeedEngine(delay=1.0))
        self.call_after_refresh(self.refresh_bindings)  # the footer offers e on exercise pages only

    def set_focus(self, widget: Widget | None, scroll_visible: bool = True, from_app_focus: bool = False) -> None:
        """Focus only what is on the page shown. Widget.focus sets the focus later, when the app is next idle:
        a question that asks when its page mounts, or the page turn that showed it, would otherwise focus it
        after the next page turn of the same read (a slow SSH link batches keys), and its digits would answer a
        prediction on a page the learner had left."""
        if widget is not None and not self.is_shown(widget):
            return
        super().set_focus(widget, scroll_visible=scroll_visible, from_app_focus=from_app_focus)

    def is_shown(self, widget: Widget) -> bool:
        """Whether ``widget`` is on the page shown (or outside the pages: the header, the footer)."""
        page = next((node for node in widget.ancestors_with_self if isinstance(node, PageView)), None)
        return page is None or page.id == f"page-{self.page}"

    def action_page(self, delta: int) -> None:
        target = self.page + delta
        if 0 <= target < len(self.lesson.pages):
            self.show_page(target)
        elif target >= len(self.lesson.pages):
            # One notice, shown again: n pressed ten times stacked six of them over half the page.
            if self._last_page_notice is not None:
                try:
                    self.app._unnotify(self._last_page_notice)  # Textual 8 has no public way to withdraw one
                except KeyError:
                    pass  # it had timed out
            self._last_page_notice = Notification("That was the last page. Escape returns to the contents.",
                                                  timeout=3)
            self.app.post_message(Notify(self._last_page_notice))

    def action_scroll(self, how: str) -> None:
        # Immediate, from the scroll target: Textual's own scroll_down/scroll_page_down wait for the next refresh
        # and read the position then, so a burst of keys (a held arrow) moved the page by one line or page.
        view = self.current
        if how in ("home", "end"):
            (view.scroll_home if how == "home" else view.scroll_end)(animate=False, immediate=True)
            return
        page = view.scrollable_content_region.height
        delta = {"up": -1, "down": 1, "page_up": -page, "page_down": page}[how]
        view.scroll_to(y=view.scroll_target_y + delta, animate=False, immediate=True)

    def focus_next(self, selector: str | type[QueryType] = "*") -> Widget | None:
        return self._tab(1) if selector == "*" and self.maximized is None else super().focus_next(selector)

    def focus_previous(self, selector: str | type[QueryType] = "*") -> Widget | None:
        return self._tab(-1) if selector == "*" and self.maximized is None else super().focus_previous(selector)

    def _tab(self, direction: int) -> Widget | None:
        """Tab (1) and shift+tab (-1) on a page. Past its last field (before its first) the focus goes back to
        the page, which stays where it is: Textual wraps round to the first field, and from a check at the foot
        of the page that scrolled forty lines up to a lab with nothing said. From the page, the focus goes to
        the first field in view (the last, going back) rather than the page's first, so a tab under a check
        scrolled to answers it; with none in view, to the page's first (last)."""
        chain = self.focus_chain
        focused = self.focused
        if focused in chain:
            index = chain.index(focused) + direction
            self.set_focus(chain[index] if 0 <= index < len(chain) else None)
        elif chain:
            seen = self.current.content_region
            if direction > 0:
                self.set_focus(next((w for w in chain if w.region.bottom > seen.y), chain[0]))
            else:
                self.set_focus(next((w for w in reversed(chain) if w.region.y < seen.bottom), chain[-1]))
        return self.focused

    def action_back(self) -> None:
        focused = self.focused
        if isinstance(focused, (Input, Select, OptionList)):
            self.set_focus(None)  # leave the field; the page keys work again
            return
        running = [lab for lab in self.query(LabView) if lab.running]
        if running:
            self.notify(f"“{running[0].spec.title}” goes on in the background; its result will be here when "
                        "you come back.", timeout=5, markup=False)
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

    async def _page_ready(self) -> None:
        """Wait until the widgets of the page shown are mounted. A page is composed when first shown, and its
        widgets are mounted a moment later: a key that came in the same read as the page turn (a slow SSH link
        batches keys) reached a lab whose fields did not exist yet, and the app crashed. Awaited here, the keys
        after it wait too, in order."""
        while self._mounting:
            await self._mounting.pop(0)

    async def action_toggle_lab(self) -> None:
        await self._page_ready()
        lab = self._lab()
        if lab is None:
            self.notify("There is no lab on this page.", timeout=2)
            return
        lab.toggle()
        if lab.running and not lab.prediction:
            lab.chart.scroll_visible(animate=False)

    async def action_ask_again(self) -> None:
        await self._page_ready()
        lab = next((lab for lab in self.current.query(LabView) if lab.prediction is not None), None)
        if lab is None:
            self.notify("There is no prediction on this page.", timeout=2)
        elif not lab.ask():
            self.notify("The lab is running: t stops it, then a asks again.", timeout=3)

    async def action_clear_chart(self) -> None:
        await self._page_ready()
        lab = self._lab()
        if lab is not None:
            lab.clear_kept()

    async def action_step(self, delta: int) -> None:
        await self._page_ready()
        lab = self._lab()
        if lab is not None and lab.spec.step_param:
            lab.step(delta)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("edit_exercise", "exercise_hint", "exercise_solution"):  # on exercise pages only
            try:
                return bool(self.current.query(ExerciseView))
            except NoMatches:  # before the pages are mounted
                return False
        if action == "open_source":  # on a page with the engine's code for an exercise
            try:
                return bool(self.current.query(SourceView))
            except NoMatches:
                return False
        if action == "ask_again":  # only on a page with a prediction, once it is answered
            try:
                labs = [lab for lab in self.current.query(LabView) if lab.prediction]
            except NoMatches:
                return False
            return bool(labs) and not any(lab.asking for lab in labs)
        if action == "toggle_lab" and isinstance(self.focused, PredictView) and self.focused.asking:
            return False  # t would focus the question, which has it: the footer keeps its room for the digits
        if action in ("toggle_lab", "clear_chart", "step"):
            # In the footer only on a page with a lab: elsewhere t offered to run nothing, and on an exercise
            # page it cut "q Quit  ? Help" at 80 columns.
            try:
                return bool(self.current.query(LabView))
            except NoMatches:
                return True
        return True

    def _exercise(self) -> ExerciseView | None:
        views = list(self.current.query(ExerciseView))
        if not views:
            self.notify("There is no exercise on this page.", timeout=2)
        return views[0] if views else None

    async def action_edit_exercise(self) -> None:
        await self._page_ready()
        if view := self._exercise():
            view.edit()

    async def action_exercise_hint(self) -> None:
        await self._page_ready()
        if view := self._exercise():
            view.hint()

    async def action_exercise_solution(self) -> None:
        await self._page_ready()
        if view := self._exercise():
            view.show_solution()

    async def action_open_source(self) -> None:
        """The first block on the page whose code is still closed: asked once, then shown (and recorded)."""
        await self._page_ready()
        views = list(self.current.query(SourceView))
        closed = [view for view in views if not view.is_open]
        if not closed:
            self.notify("The code on this page is open already.", timeout=2)
            return
        closed[0].ask()
        for view in views:  # another block of the same exercise opens with it
            view.sync()

    @on(CheckView.Answered)
    def _answered(self, event: CheckView.Answered) -> None:
        event.stop()  # the App records it, and grades a first try for the review queue
        self.post_message(Answered(self.lesson, event.check.id, event.given, event.correct))

    @on(LabView.Predicted)
    def _predicted(self, event: LabView.Predicted) -> None:
        event.stop()
        self.post_message(Predicted(self.lesson, event.spec.id, event.choice, event.right, event.measured,
                                    event.params, event.measured_text))
        if event.right is not None:
            self.post_message(Graded("prediction", self.lesson, event.spec.id, event.right))
