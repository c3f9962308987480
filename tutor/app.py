"""The Textual app: contents, lessons, help, the engine status, and the chart marker setting.

Importing this module must not import TensorFlow (a test checks it): the engine loads in a background thread
after the first screen is up, and its status appears in the header.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Iterable

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding
from textual.notifications import Notification, Notify
from textual.reactive import reactive
from textual.screen import Screen

from tutor.curriculum import Curriculum, Lesson, load_curriculum
from tutor.engine import runtime
from tutor.messages import EngineStatus, ProgressSaveError
from tutor.progress import MARKERS, LessonShape, ProgressStore, state_dir
from tutor.screens.contents import ContentsScreen
from tutor.screens.too_small import MIN_HEIGHT, MIN_WIDTH, TooSmallScreen


class TutorApp(App[None]):
    CSS_PATH = Path(__file__).with_name("app.tcss")  # absolute: subclasses elsewhere find it too
    TITLE = "rnn-tutor"
    BINDINGS = [
        Binding("q", "quit", "Quit", id="quit"),
        Binding("ctrl+q", "quit", "Quit", show=False, priority=True),
        Binding("question_mark", "help", "Help", id="help"),
        Binding("m", "cycle_marker", "Marker", show=False, id="marker"),
    ]

    marker: reactive[str] = reactive("braille")  # how charts draw points; every chart watches it

    def __init__(self, curriculum: Curriculum | None = None, progress: ProgressStore | None = None,
                 start_lesson: str | None = None, load_engine: bool = True,
                 log_path: Path | None = None) -> None:
        super().__init__()
        self.curriculum = curriculum if curriculum is not None else load_curriculum()
        self.progress = progress if progress is not None else ProgressStore()
        self.set_reactive(TutorApp.marker, self.progress.marker)
        self._save_notice: Notification | None = None
        # The writer thread reports here; post_message is thread-safe, the notice is shown on the UI thread.
        self.progress.on_error = lambda text: self.post_message(ProgressSaveError(text))
        self.start_lesson = start_lesson
        self.load_engine = load_engine
        self.log_path = log_path or state_dir() / "tensorflow.log"
        self.engine_text = "engine: loading TensorFlow…" if load_engine else "engine: not loaded"
        self.sub_title = self.engine_text

    def shape(self, lesson: Lesson) -> LessonShape:
        return LessonShape(lesson.id, len(lesson.pages), tuple(c.id for c in lesson.checks))

    def on_mount(self) -> None:
        self.push_screen(ContentsScreen())
        if self.start_lesson:
            self.open_lesson(self.start_lesson)
        if self.progress.warning:
            self.notify(self.progress.warning, title="Progress", severity="warning", timeout=30)
        errors = self.curriculum.errors
        if len(errors) == 1:
            self.notify(str(errors[0]), title="A lesson could not be loaded", severity="error", timeout=15)
        elif errors:  # one toast, not a stack; the contents list them all
            self.notify(f"{len(errors)} lessons could not be loaded; the contents list why.",
                        severity="error", timeout=15)
        self.check_size()
        if self.load_engine:
            self.call_after_refresh(self._load_engine)

    # -- engine ------------------------------------------------------------------------------------------
    @work(thread=True, group="engine", exit_on_error=False)
    def _load_engine(self) -> None:
        try:
            device = runtime.device_description()
        except Exception as err:  # noqa: BLE001 - any failure is shown, the NumPy labs still work
            self.post_message(EngineStatus(f"engine: TensorFlow failed to load ({type(err).__name__})",
                                           failed=True))
            return
        self.post_message(EngineStatus(f"engine: {device}", ready=True))

    @on(EngineStatus)
    def _engine_status(self, message: EngineStatus) -> None:
        self.engine_text = message.text
        self.sub_title = message.text
        if message.failed:
            self.notify(f"TensorFlow could not be loaded; see {self.log_path}. Labs that train will fail; "
                        "the NumPy labs work.", severity="error", timeout=20)

    # -- navigation --------------------------------------------------------------------------------------
    def open_lesson(self, lesson_id: str) -> None:
        lesson = self.curriculum.get(lesson_id)
        if lesson is None:
            known = ", ".join(lesson.id for lesson in self.curriculum.lessons)
            self.notify(f"No lesson {lesson_id!r}. Lessons: {known}", severity="error", timeout=10)
            return
        from tutor.screens.lesson import LessonScreen  # noqa: PLC0415 - charts load with the first lesson

        while isinstance(self.screen, LessonScreen):
            self.pop_screen()
        self.push_screen(LessonScreen(lesson, self.progress.last_page(lesson.id)))

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for lesson in self.curriculum.lessons:
            yield SystemCommand(f"Lesson {lesson.order}: {lesson.title}", lesson.summary or "Open this lesson",
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

    def action_doctor(self) -> None:
        from tutor.screens.doctor import DoctorScreen  # noqa: PLC0415 - loads when first asked for

        if not isinstance(self.screen, DoctorScreen):
            self.push_screen(DoctorScreen(self.log_path))

    # -- settings ----------------------------------------------------------------------------------------
    def action_cycle_marker(self) -> None:
        current = MARKERS.index(self.progress.marker)
        self.set_marker(MARKERS[(current + 1) % len(MARKERS)])

    def set_marker(self, marker: str) -> None:
        self.progress.set_marker(marker)
        self.marker = marker
        self.notify(f"Chart marker: {marker}", timeout=2)

    def report_save_error(self) -> None:
        """Kept for callers; failed saves now arrive once through ``progress.on_error``."""

    @on(ProgressSaveError)
    def _progress_save_error(self, message: ProgressSaveError) -> None:
        """One persistent notice while saving fails; it goes when a save succeeds again."""
        if self._save_notice is not None:
            try:
                self._unnotify(self._save_notice)  # no public way to withdraw one notification
            except KeyError:
                pass  # already dismissed by the learner
            self._save_notice = None
        if message.text is None:
            self.notify("Progress is being saved again.", title="Progress", timeout=4)
            return
        self._save_notice = Notification(message.text, "Progress not saved", "error", timeout=24 * 3600,
                                         markup=False)
        self.post_message(Notify(self._save_notice))

    # -- size --------------------------------------------------------------------------------------------
    def check_size(self) -> None:
        """Cover the app with a notice below 80×24. Screens call this on resize (the App gets no Resize)."""
        width, height = self.size
        small = width < MIN_WIDTH or height < MIN_HEIGHT
        if small and not isinstance(self.screen, TooSmallScreen):
            self.push_screen(TooSmallScreen())
        elif isinstance(self.screen, TooSmallScreen):
            if small:
                self.screen.update_size()
            else:
                self.pop_screen()

