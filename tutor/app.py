"""The Textual app: contents, lessons, help, the engine status, and the chart marker setting.

Importing this module must not import TensorFlow (a test checks it): the engine loads in a background thread
when a lesson with a Keras lab first opens (or a Keras lab is started), and its status appears in the header.

Screens and widgets reach the App only through the messages of :mod:`tutor.messages` (a page seen, a check
answered, the engine needed, a lesson to open), handled here with ``@on``.

Two things keep page turns instant: progress is saved off the UI thread (the store's own background writer),
and a lesson's screen composes a page's widgets when the page is first shown. A lesson's screen is kept for
the session once opened, so a lab that trains goes on when the learner leaves the lesson, and its
parameters, kept runs and result are still there on return.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, NoReturn

from textual import events, on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.geometry import Size
from textual.markup import escape
from textual.notifications import Notification, Notify
from textual.reactive import reactive
from textual.screen import Screen
from textual.timer import Timer

from tutor.curriculum.model import Curriculum, Outline
from tutor.curriculum.outline import read_outline
from tutor.engine import runtime
from tutor.exercises import checker
from tutor.messages import (Answered, EngineStatus, Graded, NeedEngine, OpenLesson, PageSeen, Predicted,
                            ProgressSaveError)
from tutor.paths import tensorflow_log
from tutor.progress import MARKERS, ProgressStore, lesson_shape
from tutor.screens.contents import ContentsScreen
from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen
from tutor.lazy import lazy

if TYPE_CHECKING:  # the checker reads the real modules; at run time they load on first use (tutor.lazy)
    from tutor import review
    from tutor.curriculum import loader
else:  # after the first screen: the lesson bodies' parser, the engine's registry, the review scheduler
    review, loader = lazy("tutor.review"), lazy("tutor.curriculum.loader")


ENGINE_QUIET = 1.0  # seconds without a key before TensorFlow starts loading for a page ahead (need_engine)


class NoWaitExecutor(ThreadPoolExecutor):
    """The app's thread pool when it owns the process: shutting it down does not wait for the threads (the
    process leaves with os._exit right after; workers were cancelled and stop at their next check)."""

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        super().shutdown(wait=False, cancel_futures=True)


class TutorApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it too
    TITLE = "rnn-tutor"
    # The tooltips are the help screen's key table (tutor/screens/help.py builds it from these bindings).
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit", tooltip="quit at once (ctrl+q while typing in a field)"),
        Binding("ctrl+q", "quit", "Quit", show=False),  # not priority: a field shows it in its footer
        Binding("question_mark", "help", "Help", id="help", tooltip="this help"),
        Binding("m", "cycle_marker", "Marker", show=False, id="marker",
                tooltip="chart marker: braille, blocks, dots or ascii"),
        Binding("r", "review", "Review", id="review",
                tooltip="on the contents: ask again what you missed, when it is due"),
    ]

    marker: reactive[str] = reactive("braille")  # how charts draw points; every chart watches it

    def __init__(self, curriculum: Curriculum | None = None, progress: ProgressStore | None = None,
                 start_lesson: str | None = None, load_engine: bool = True,
                 log_path: Path | None = None, standalone: bool = False) -> None:
        super().__init__()
        # The first screen lists the lessons from their front matter; their bodies are read (parsed, labs
        # validated) after it is drawn, in the background, or at once when something needs them first.
        self._curriculum = curriculum
        self._curriculum_lock = threading.Lock()
        self.outline = read_outline() if curriculum is None else Outline.of(curriculum)
        if progress is None:
            shapes = () if curriculum is None else map(lesson_shape, curriculum.lessons)
            progress = ProgressStore(lessons=shapes)  # without lessons yet: fitted to them once they are read
        self.progress = progress
        self.set_reactive(TutorApp.marker, self.progress.marker)
        self._save_notice: Notification | None = None
        # The writer thread reports here; post_message is thread-safe, the notice is shown on the UI thread.
        self.progress.on_error = self._post_save_error
        self.start_lesson = start_lesson
        self.load_engine = load_engine
        self.log_path = log_path or tensorflow_log()
        self.standalone = standalone  # owns the process: handles signals, leaves without joining workers
        self.signal_received: int | None = None
        self._engine_text = "engine: TensorFlow not loaded yet" if load_engine else "engine: not loaded"
        self._saving_fails = False
        self._show_status()
        self._engine_started = False
        self._engine_timer: Timer | None = None
        self._last_key = 0.0  # time.monotonic() of the last key
        self.lesson_screens: dict[str, Screen] = {}
        self._size_checks = False
        self.clock: Callable[[], datetime] = lambda: datetime.now(timezone.utc)  # the review queue's; tests move it

    def on_mount(self) -> None:
        self.push_screen(ContentsScreen(self.outline, self.progress, lambda: self.clock(), self._curriculum))
        if self.start_lesson:
            self.open_lesson(self.start_lesson)
        if self.progress.warning:
            self.notify(self.progress.warning, title="Progress", severity="warning", timeout=30, markup=False)
        if self._curriculum is not None:
            self._report_lesson_errors(self._curriculum)
        else:
            self.call_after_refresh(self._read_lessons)
        self.call_after_refresh(self._start_size_checks)
        if self.standalone:
            self._install_signal_handlers()
            # Thread workers run on the loop's default executor, which asyncio joins when app.run ends: a
            # worker in a long native call (TensorFlow's import, a training step) would hold up the quit.
            asyncio.get_running_loop().set_default_executor(NoWaitExecutor(thread_name_prefix="worker"))

    def on_unmount(self) -> None:
        self.progress.flush()

    # -- the lessons: front matter first, bodies after the first screen ----------------------------------
    @property
    def curriculum(self) -> Curriculum:
        """Every lesson, read in full. Waits for the background reading if it has not finished (a learner who
        opens a lesson in the first tenth of a second), or reads now if it has not started."""
        with self._curriculum_lock:
            if self._curriculum is None:
                self._curriculum = loader.load_curriculum()
            return self._curriculum

    @work(thread=True, group="lessons", exit_on_error=False)
    def _read_lessons(self) -> None:
        curriculum = self.curriculum
        self.call_from_thread(self._lessons_read, curriculum)

    def _lessons_read(self, curriculum: Curriculum) -> None:
        """The bodies are read: answers that no longer fit a check are set aside, a lesson whose body is broken
        leaves the contents for its error, and the review count appears."""
        before = len(self.progress.notes)
        self.progress.fit(map(lesson_shape, curriculum.lessons))
        if len(self.progress.notes) > before:
            self.notify(" ".join(self.progress.notes[before:]), title="Progress", severity="warning", timeout=30,
                        markup=False)
        self.outline = Outline.of(curriculum)
        for screen in self.screen_stack:
            if isinstance(screen, ContentsScreen):
                screen.lessons_read(curriculum)
        self._report_lesson_errors(curriculum)

    def _report_lesson_errors(self, curriculum: Curriculum) -> None:
        errors = curriculum.errors
        if len(errors) == 1:
            self.notify(str(errors[0]), title="A lesson could not be loaded", severity="error", timeout=15,
                        markup=False)
        elif errors:  # one toast, not a stack; the contents list them all
            self.notify(f"{len(errors)} lessons could not be loaded; the contents list why.",
                        severity="error", timeout=15)

    # -- signals -----------------------------------------------------------------------------------------
    def _install_signal_handlers(self) -> None:
        """SIGTERM, SIGHUP (a dropped SSH connection) and SIGINT (``kill -INT``; ctrl+c is a key here) quit like
        q: the terminal is restored, progress kept, and the exit status says which signal (128 + its number)."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            try:
                loop.add_signal_handler(signum, partial(self._on_signal, signum))
            except (NotImplementedError, RuntimeError, ValueError):  # not the main thread, or no such signal
                pass

    def _on_signal(self, signum: int) -> None:
        if self.signal_received is not None:
            return
        self.signal_received = signum
        self.exit(return_code=128 + signum)
        # If restoring the terminal hangs (its connection is gone after SIGHUP), leave anyway, progress saved.
        watchdog = threading.Timer(1.0, self.leave, args=(128 + signum, 0.5))
        watchdog.daemon = True
        watchdog.start()

    def leave(self, code: int, timeout: float = 1.0) -> NoReturn:
        """Quit means quit: stop the exercise checks still running (with whatever they started), put progress
        on disk, and leave now, without waiting for worker threads (a training step, TensorFlow's import) or
        TensorFlow's own teardown, which takes seconds. The one exit path, for `q` and for signals."""
        checker.stop_all()
        self.progress.flush(timeout=timeout)
        runtime.remove_private_temp()  # TensorFlow's generated code: its own atexit cleanup is skipped here
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        os._exit(code)

    # -- progress: the store applies a change in memory at once; its writer thread puts it on disk ---------
    @on(PageSeen)
    def _page_seen(self, message: PageSeen) -> None:
        self.progress.see_page(lesson_shape(message.lesson), message.page)

    @on(Answered)
    def _answered(self, message: Answered) -> None:
        first = self.progress.answer(message.lesson.id, message.check_id) is None
        self.progress.record_answer(lesson_shape(message.lesson), message.check_id, message.given, message.correct)
        if first:  # a check's first try is graded for review; answering it again later is practice
            self.post_message(Graded("check", message.lesson, message.check_id, message.correct))

    @on(Graded)
    def _graded(self, message: Graded) -> None:
        review.record(self.progress, message.kind, message.lesson.id, message.item, message.right, self.clock())

    @on(Predicted)
    def _predicted(self, message: Predicted) -> None:
        self.progress.record_prediction(message.lesson.id, message.predict_id, message.choice, message.right,
                                        message.measured, message.params, message.measured_text)

    def _post_save_error(self, text: str | None) -> None:
        self.post_message(ProgressSaveError(text))

    # -- engine ------------------------------------------------------------------------------------------
    def need_engine(self, delay: float = 0.0) -> None:
        """Start loading TensorFlow in the background, once: at once when a Keras lab is started; when the page
        before a Keras lab is shown, after ``delay`` and once no key has come for :data:`ENGINE_QUIET` seconds.

        The import holds the GIL for up to a second at a time (Python links an extension module's shared
        libraries with it held, and TensorFlow's first one pulls in a gigabyte of them; tests/bench_keys.py), so
        the UI cannot draw meanwhile: started while the learner turns pages it held up a turn; started while
        they read, nobody sees it."""
        if self._engine_started or not self.load_engine:
            return
        if delay > 0:
            if self._engine_timer is None:
                self._engine_timer = self.set_timer(delay, self._engine_when_quiet)
            return
        self._engine_started = True
        self._engine_text = "engine: loading TensorFlow…"
        self._show_status()
        self._load_engine()

    def _engine_when_quiet(self) -> None:
        quiet = time.monotonic() - self._last_key
        if quiet < ENGINE_QUIET:
            self._engine_timer = self.set_timer(ENGINE_QUIET - quiet, self._engine_when_quiet)
            return
        self.need_engine()

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()  # for _engine_when_quiet
        await super().on_event(event)

    @work(thread=True, group="engine", exit_on_error=False)
    def _load_engine(self) -> None:
        # At the UI's priority: the import is held back by the GIL, not the CPU, and a lower priority made it
        # 1.7 times slower while the learner paged (tests/bench_keys.py). TensorFlow's thread pools start with
        # the first op, in a lab's thread, and take that thread's lower priority.
        try:
            device = runtime.device_description()
        except Exception as err:  # noqa: BLE001 - any failure is shown, the NumPy labs still work
            self.post_message(EngineStatus(f"engine: TensorFlow failed to load ({type(err).__name__})",
                                           failed=True))
            return
        self.post_message(EngineStatus(f"engine: {device}"))

    @on(NeedEngine)
    def _need_engine(self, message: NeedEngine) -> None:
        self.need_engine(message.delay)

    @on(EngineStatus)
    def _engine_status(self, message: EngineStatus) -> None:
        self._engine_text = message.text
        self._show_status()
        if message.failed:
            self.notify(f"TensorFlow could not be loaded; see {self.log_path}. Labs that train will fail; "
                        "the NumPy labs work.", severity="error", timeout=20, markup=False)

    # -- navigation --------------------------------------------------------------------------------------
    @on(OpenLesson)
    def _open_lesson(self, message: OpenLesson) -> None:
        self.open_lesson(message.lesson_id)

    def open_lesson(self, lesson_id: str) -> None:
        lesson = self.curriculum.get(lesson_id)
        if lesson is None:
            known = ", ".join(lesson.id for lesson in self.curriculum.lessons)
            self.notify(f"No lesson {lesson_id!r}. Lessons: {known}", severity="error", timeout=10, markup=False)
            return
        from tutor.screens.lesson import LessonScreen  # noqa: PLC0415 - charts load with the first lesson

        name = f"lesson:{lesson.id}"
        if isinstance(self.screen, LessonScreen) and self.screen.lesson.id == lesson.id:
            return
        while isinstance(self.screen, LessonScreen):
            self.pop_screen()
        if lesson.id not in self.lesson_screens:
            # Kept for the session: a lab that trains goes on in the background, and its state is kept.
            screen = LessonScreen(lesson, self.progress, self.progress.last_page(lesson.id))
            self.lesson_screens[lesson.id] = screen
            self.install_screen(screen, name)
        self.push_screen(name)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        # Textual's own "Keys" opens its key panel, a second key list unlike ours; the palette's Keys is `?`'s help.
        textual_keys = (self.action_show_help_panel, self.action_hide_help_panel)
        yield from (command for command in super().get_system_commands(screen) if command.callback not in textual_keys)
        yield SystemCommand("Keys and help", "The tutor's keys and where your progress is kept (also ?)",
                            self.action_help)
        for lesson in self.outline.heads:
            # The palette reads titles as markup: escaped, a lesson's [brackets] are shown as written.
            yield SystemCommand(f"Lesson {lesson.order}: {escape(lesson.title)}",
                                escape(lesson.summary) if lesson.summary else "Open this lesson",
                                partial(self.open_lesson, lesson.id))
        for marker in MARKERS:
            yield SystemCommand(f"Chart marker: {marker}", "How charts draw their points",
                                partial(self.set_marker, marker))
        yield SystemCommand("Doctor", "What this machine gives the tutor: versions, device, terminal, paths",
                            self.action_doctor)

    def action_help(self) -> None:
        from tutor.screens.help import HelpScreen  # noqa: PLC0415 - Markdown loads when help is first shown

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(str(self.progress.path), str(self.log_path)))

    def action_review(self) -> None:
        from tutor.screens.review import ReviewScreen  # noqa: PLC0415 - loads when first asked for

        now = self.clock()
        cards = review.due(self.progress, self.curriculum, now)
        if cards:
            self.push_screen(ReviewScreen(self.progress, self.curriculum, cards, lambda: self.clock()))
            return
        waiting = review.askable(self.progress, self.curriculum)
        if waiting:  # none due: say when, rather than nothing
            self.notify(f"Nothing to review yet: the next card is due {review.day_words(waiting[0].due, now)}.",
                        timeout=4, markup=False)
        if isinstance(self.screen, ContentsScreen):
            self.screen.refresh_review()  # its line may be older than the clock (or a lesson changed)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "review":  # in the footer on the contents while there are cards, due or not
            return isinstance(self.screen, ContentsScreen) and self.screen.card_count > 0
        return True

    def action_doctor(self) -> None:
        from tutor.screens.doctor import DoctorScreen  # noqa: PLC0415 - loads when first asked for

        if not isinstance(self.screen, DoctorScreen):
            self.push_screen(DoctorScreen(self.log_path, self.marker))

    # -- settings ----------------------------------------------------------------------------------------
    def action_cycle_marker(self) -> None:
        current = MARKERS.index(self.progress.marker)
        self.set_marker(MARKERS[(current + 1) % len(MARKERS)])

    def set_marker(self, marker: str) -> None:
        self.progress.set_marker(marker)
        self.marker = marker
        self.notify(f"Chart marker: {marker}", timeout=2)

    def _show_status(self) -> None:
        """The header's line: the engine's status, after a warning while progress cannot be saved."""
        self.sub_title = ("⚠ progress not saved · " if self._saving_fails else "") + self._engine_text

    @on(ProgressSaveError)
    def _progress_save_error(self, message: ProgressSaveError) -> None:
        """The reason once, as a notice that goes by itself; the header says it for as long as saving fails (a
        notice that stayed covered the right half of the page for hours). Both go when a save succeeds."""
        if self._save_notice is not None:
            try:
                self._unnotify(self._save_notice)  # Textual 8 has no public way to withdraw one notification
            except KeyError:
                pass  # already gone
            self._save_notice = None
        if message.text is None:
            self._saving_fails = False
            self._show_status()
            self.notify("Progress is being saved again.", title="Progress", timeout=4)
            return
        self._saving_fails = True  # the store reports a change of state only: failing, then saving again
        self._show_status()
        self._save_notice = Notification(message.text, "Progress not saved", "error", timeout=10, markup=False)
        self.post_message(Notify(self._save_notice))

    # -- size --------------------------------------------------------------------------------------------
    def _start_size_checks(self) -> None:
        self._size_checks = True  # only once the first screens are on the stack (a Resize comes before)
        self.check_size()

    def on_resize(self, event: events.Resize) -> None:
        if self._size_checks:
            self.check_size(event.size)  # App.size is updated after this handler runs

    def check_size(self, size: Size | None = None) -> None:
        """Cover the app with a notice below 80×24; the screens under it (and a lab that trains) carry on."""
        width, height = size or self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small:
            if isinstance(self.screen, TooSmallScreen):
                self.screen.update_size(Size(width, height))
            else:
                self.push_screen(TooSmallScreen(Size(width, height)))
        else:
            while isinstance(self.screen, TooSmallScreen):
                self.pop_screen()

