"""The one place TensorFlow is imported, and the rules around it.

- :func:`tensorflow` imports TensorFlow once (thread-safe), after setting its log level and Keras backend, and
  turns on GPU memory growth so a lab does not take a whole shared GPU.
- :func:`thread_cap` reads ``RNN_TUTOR_TF_THREADS``, the most threads each of TensorFlow's CPU pools may use
  (``rnn-tutor serve`` sets it for every session, so that one visitor's lab does not take every core).
- :func:`device_description` says where Keras will run: "CPU" or the GPU's name.
- :func:`device_report` gives what ``rnn-tutor doctor`` shows of the device: GPUs, build, thread counts.
- :func:`training_slot` lets one TensorFlow job run at a time; a waiting job still notices cancellation.
- :func:`at_background_priority` runs a lab in a thread of lower CPU priority than the UI's, so page turns go
  first on a machine with few cores; ``RNN_TUTOR_TRAINING_NICE`` sets how much.
- :func:`remove_private_temp` deletes the temporary folder TensorFlow was given (see :func:`tensorflow`).
- :class:`NativeStderrToLog` sends what native code writes on file descriptor 2 (TensorFlow's C++ logging,
  CUDA's messages) to a log file while the TUI owns the screen.

Importing this module is cheap: it does not import TensorFlow.
"""

from __future__ import annotations

import atexit
import gc
import os
import shutil
import sys
import tempfile
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator, TextIO, TypeVar

from tutor.engine.experiment import Cancelled

_import_lock = threading.Lock()
_slot = threading.Lock()
_tf: ModuleType | None = None
_device: str | None = None
_private_temp: Path | None = None

THREADS_ENV = "RNN_TUTOR_TF_THREADS"
NICE_ENV = "RNN_TUTOR_TRAINING_NICE"
DEFAULT_NICE = 10  # tests/bench_keys.py: page turns while char-rnn trains, measured with 0, 5, 10 and 19


def prepare_environment() -> None:
    """Settings TensorFlow and NumPy read at import time (so: before either loads). The learner's own values win."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # no INFO/WARNING chatter from C++
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")  # bit-stable results across runs on CPU
    # NumPy's BLAS (read when NumPy loads): the engine's products are lesson-sized, where a second thread costs
    # more than it saves, and on a busy 2-core machine waiting for it costs milliseconds (tests/bench_scratch.py).
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")


def tensorflow() -> ModuleType:
    """Import TensorFlow (once) and configure it. Safe to call from any thread."""
    global _tf
    if _tf is not None:
        return _tf
    with _import_lock:
        if _tf is not None:
            return _tf
        prepare_environment()
        _use_private_temp()
        # The import makes millions of objects that live as long as the process. While it runs, the collector is
        # off (each full collection walked the growing heap with the GIL held, up to 0.2 s, so the UI could not
        # draw); then they are frozen, so no later collection walks them either (0.24 s every 1.7 s while the
        # learner paged during char-rnn; tests/bench_keys.py).
        collecting = gc.isenabled()
        gc.disable()
        try:
            tf = _import_and_configure()
        finally:
            gc.freeze()
            if collecting:
                gc.enable()
        _tf = tf
        return tf


def _import_and_configure() -> ModuleType:
    """TensorFlow and Keras imported, TensorFlow's threads capped and GPU memory set to grow; ``_device`` set."""
    global _device
    import tensorflow as tf  # noqa: PLC0415 - the whole point of this module

    tf.get_logger().setLevel("ERROR")
    cap = thread_cap()
    if cap is not None:  # before anything runs: TensorFlow fixes its thread pools on first use
        tf.config.threading.set_intra_op_parallelism_threads(cap)
        tf.config.threading.set_inter_op_parallelism_threads(cap)
    gpus = tf.config.list_physical_devices("GPU")
    for gpu in gpus:
        try:
            tf.config.experimental.set_memory_growth(gpu, True)
        except RuntimeError:  # already initialised by someone else: keep their setting
            pass
    _device = _describe(tf, gpus)
    import keras  # noqa: F401, PLC0415 - every Keras lab needs it: imported (and frozen) with TensorFlow
    return tf


def thread_cap() -> int | None:
    """``RNN_TUTOR_TF_THREADS`` as a positive whole number, or None (unset, empty or not such a number):
    TensorFlow then picks its thread counts itself, one per core the process may use."""
    raw = os.environ.get(THREADS_ENV, "").strip()
    return int(raw) if raw.isdecimal() and int(raw) > 0 else None


def training_nice() -> int:
    """``RNN_TUTOR_TRAINING_NICE`` (0 to 19; 0 leaves priorities alone), else :data:`DEFAULT_NICE`."""
    raw = os.environ.get(NICE_ENV, "").strip()
    return min(19, int(raw)) if raw.isdecimal() else DEFAULT_NICE


T = TypeVar("T")


def at_background_priority(fn: Callable[[], T], name: str = "background") -> T:
    """``fn()``, run in a thread of its own at a lower CPU priority than the UI's; returns what it returns and
    raises what it raises. The caller (a worker thread) waits for it.

    On Linux each thread has its own nice value, and the threads it starts inherit it, so TensorFlow's thread
    pools, made in the thread that first runs an op (a lab's), share it. On a two-core machine a training
    lab otherwise takes both cores from the UI thread, whose page turns then wait; with it the UI goes first
    and the lab gets every cycle the UI leaves (tests/bench_keys.py). A thread cannot take its priority back
    without privileges, which is why this is a new thread: Textual's thread workers are reused from a pool that
    also parses the Markdown of the pages. ``RNN_TUTOR_TRAINING_NICE`` sets how much lower (0: not at all);
    elsewhere than Linux (macOS would lower the whole process) ``fn`` runs in the caller's thread.
    """
    nice = training_nice()
    if nice <= 0 or not sys.platform.startswith("linux"):
        return fn()
    outcome: list[Any] = []

    def run() -> None:
        tid = threading.get_native_id()
        try:
            if os.getpriority(os.PRIO_PROCESS, tid) < nice:
                os.setpriority(os.PRIO_PROCESS, tid, nice)
        except OSError:  # a sandbox that refuses: it runs at the UI's priority
            pass
        try:
            outcome.append((True, fn()))
        except BaseException as err:  # noqa: BLE001 - handed to the caller as it is
            outcome.append((False, err))

    thread = threading.Thread(target=run, name=f"{name} (background priority)", daemon=True)
    thread.start()
    thread.join()
    ok, value = outcome[0]
    if not ok:
        raise value
    return value


def _use_private_temp() -> None:
    """Autograph writes each function it converts to ``__autograph_generated_file*.py`` in the temporary folder
    and deletes them in an atexit hook, which the app's ``os._exit`` skips: three files were left at every quit.
    So the process's temporary files go to a folder of its own, which :func:`remove_private_temp` deletes (the
    app's leave calls it; a normal exit does too)."""
    global _private_temp
    if _private_temp is None:
        _private_temp = Path(tempfile.mkdtemp(prefix="rnn-tutor-"))
        tempfile.tempdir = str(_private_temp)  # read by every later tempfile call, autograph's included
        atexit.register(remove_private_temp)


def remove_private_temp() -> None:
    """Delete the temporary folder TensorFlow was given, if any. For the moment the process leaves."""
    global _private_temp
    if _private_temp is not None:
        tempfile.tempdir = None
        shutil.rmtree(_private_temp, ignore_errors=True)
        _private_temp = None


def keras() -> ModuleType:
    tensorflow()
    import keras as k  # noqa: PLC0415

    return k


def device_description() -> str:
    """Where Keras runs: 'CPU' or 'GPU: <name>'. Loads TensorFlow if needed."""
    tensorflow()
    assert _device is not None
    return _device


def _describe(tf: ModuleType, gpus: list) -> str:
    if not gpus:
        return "CPU"
    names = []
    for gpu in gpus:
        try:
            names.append(tf.config.experimental.get_device_details(gpu).get("device_name", gpu.name))
        except Exception:  # noqa: BLE001 - details are cosmetic
            names.append(gpu.name)
    label = names[0] if len(set(names)) == 1 else ", ".join(names)
    return f"GPU: {label}" + (f" x{len(names)}" if len(names) > 1 else "")


def device_report() -> dict:
    """What TensorFlow sees and was built with, as plain data. Loads TensorFlow if needed (timed)."""
    started = time.perf_counter()
    already = _tf is not None
    tf = tensorflow()
    build = dict(tf.sysconfig.get_build_info())
    gpus = []
    for gpu in tf.config.list_physical_devices("GPU"):
        try:
            details = tf.config.experimental.get_device_details(gpu)
        except Exception:  # noqa: BLE001 - details are cosmetic
            details = {}
        capability = details.get("compute_capability")
        gpus.append({"device": gpu.name, "name": details.get("device_name", gpu.name),
                     "compute_capability": ".".join(map(str, capability)) if capability else None})
    return {
        "tensorflow": tf.__version__,
        "load_seconds": None if already else round(time.perf_counter() - started, 2),
        "description": device_description(),
        "gpus": gpus,
        "cuda_build": bool(build.get("is_cuda_build")),
        "cuda_version": build.get("cuda_version"),
        "cudnn_version": build.get("cudnn_version"),
        # 0 means "TensorFlow decides" (one intra-op thread per core the process may use)
        "intra_op_threads": tf.config.threading.get_intra_op_parallelism_threads(),
        "inter_op_threads": tf.config.threading.get_inter_op_parallelism_threads(),
    }


@contextmanager
def training_slot(is_cancelled: Callable[[], bool], on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold the single TensorFlow job slot; poll for cancellation while another job holds it."""
    told = False
    while not _slot.acquire(timeout=0.1):
        if is_cancelled():
            raise Cancelled()
        if on_wait is not None and not told:
            on_wait()
            told = True
    try:
        yield
    finally:
        _slot.release()


class NativeStderrToLog:
    """Route file descriptor 2 to a log file while keeping a private handle on the real terminal.

    Textual draws on ``sys.__stderr__``, so that object is swapped for one on a duplicate of the original
    descriptor before the app starts; then descriptor 2 itself is pointed at the log, where TensorFlow's
    native messages land. Everything is put back on exit.
    """

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._saved_fd: int | None = None
        self._saved_objects: tuple[Any, Any] | None = None
        self._log: TextIO | None = None

    def __enter__(self) -> "NativeStderrToLog":
        stderr: Any = sys.__stderr__  # None when Python runs without one
        try:
            stderr.flush()
            fd = stderr.fileno()
        except (AttributeError, ValueError, OSError):
            return self  # no real stderr (embedded, captured): nothing to protect
        try:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            self._log = open(self.log_path, "a", buffering=1, encoding="utf-8")  # noqa: SIM115
        except OSError:  # a home that cannot be written: the log is optional, the messages are dropped
            self._log = open(os.devnull, "w", encoding="utf-8")  # noqa: SIM115
        self._saved_fd = os.dup(fd)
        terminal = os.fdopen(os.dup(self._saved_fd), "w", buffering=1, encoding=stderr.encoding,
                             errors="replace")
        self._saved_objects = (stderr, sys.stderr)
        setattr(sys, "__stderr__", terminal)  # setattr: typeshed marks sys.__stderr__ Final
        sys.stderr = terminal
        os.dup2(self._log.fileno(), fd)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._saved_fd is None:
            return
        assert self._saved_objects is not None
        replacement: Any = sys.__stderr__
        try:
            replacement.flush()
        except (OSError, ValueError):
            pass
        os.dup2(self._saved_fd, 2)
        os.close(self._saved_fd)
        setattr(sys, "__stderr__", self._saved_objects[0])
        sys.stderr = self._saved_objects[1]
        try:
            replacement.close()
        except OSError:
            pass
        if self._log is not None:
            self._log.close()
        self._saved_fd = None
