"""Where the tutor keeps things, named once: the learner's data folder and what is in it, the log folder, the
smallest terminal the app draws in, and the ways a file is replaced or set aside on disk.

The data folder is ``$RNN_TUTOR_HOME`` when that is set, else the platform's data folder
(``$XDG_DATA_HOME/rnn-tutor`` on Linux). Logs go to ``$RNN_TUTOR_HOME/state``, else the platform's state
folder. Everything here is cheap to import: no NumPy, no Textual.
"""

from __future__ import annotations

import os
import tempfile
import time
from pathlib import Path

from platformdirs import user_data_dir, user_state_dir

MIN_TERMINAL = (80, 24)  # columns, rows: below this the app shows its "too small" notice and doctor warns


def data_dir() -> Path:
    """The learner's folder: progress.json and the exercises."""
    override = os.environ.get("RNN_TUTOR_HOME")
    return Path(override) if override else Path(user_data_dir("rnn-tutor", appauthor=False))


def state_dir() -> Path:
    """Where logs go (TensorFlow's native output while the TUI runs)."""
    override = os.environ.get("RNN_TUTOR_HOME")
    return Path(override) / "state" if override else Path(user_state_dir("rnn-tutor", appauthor=False))


def progress_file() -> Path:
    """Progress, settings and exercise status: the learner's one store (``tutor.progress``)."""
    return data_dir() / "progress.json"


def exercises_dir() -> Path:
    """The learner's exercise files, ``NAME.py``."""
    return data_dir() / "exercises"


def tensorflow_log() -> Path:
    return state_dir() / "tensorflow.log"


def write_atomic(dest: Path, text: str) -> None:
    """Write ``text`` to ``dest`` so that a reader sees the old file or the new one, never half of either:
    a temporary file in the same folder, fsync, then rename over the old one."""
    fd, tmp = tempfile.mkstemp(prefix=f".{dest.name}-", suffix=".tmp", dir=dest.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, dest)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def beside(path: Path, label: str) -> Path:
    """A free name ``NAME.<label>-<time>`` beside ``path``; a second one in the same second gets ``-2``, and so on."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    free = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while free.exists():
        n += 1
        free = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    return free


def move_aside(path: Path, label: str) -> Path:
    """Rename a damaged or superseded file to a free name beside it (kept, never deleted); return that name."""
    kept = beside(path, label)
    os.replace(path, kept)
    return kept
