"""The tutor's process under the web driver (``rnn-tutor serve`` starts one per browser session).

There the process has no terminal: textual-serve sets ``TEXTUAL_DRIVER`` and talks to the app through a pipe on
stdin and another on stdout, in packets. So the terminal checks of the command line do not apply, and nothing
but the driver may write on that stdout: a stray ``print``, a library's progress bar, or a child process (an
exercise's check) that inherits descriptor 1 would corrupt the stream and end the session.

:class:`ProtocolStreams` moves the two pipes to private descriptors that the driver alone uses, and points
descriptors 0, 1 and 2 at ``/dev/null`` and the session's log file, so whatever else writes (Python code,
TensorFlow's native logging, any child process) lands in that log.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SESSION_LOG_ENV = "RNN_TUTOR_SESSION_LOG"  # set by `rnn-tutor serve`: this session's log file


def active() -> bool:
    """True when Textual is told to use another driver than the terminal's (textual-serve's web driver)."""
    return bool(os.environ.get("TEXTUAL_DRIVER"))


def log_path() -> Path | None:
    """The log file the server chose for this session, when the process runs under the web driver."""
    value = os.environ.get(SESSION_LOG_ENV)
    return Path(value) if value and active() else None


class ProtocolStreams:
    """While open: the driver's pipes on private descriptors (``sys.__stdin__``, ``sys.__stdout__``, which the
    web driver reads and writes), and descriptors 0, 1 and 2 on ``/dev/null`` and the log. Closed: as before."""

    def __init__(self, log_path: Path) -> None:
        self.log_path = log_path
        self._saved: list[tuple[int, int]] = []
        self._objects: tuple | None = None

    def __enter__(self) -> "ProtocolStreams":
        for stream in (sys.__stdout__, sys.__stderr__, sys.stdout, sys.stderr):
            try:
                if stream is not None:
                    stream.flush()
            except (OSError, ValueError):
                pass
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        # Private copies of the pipes: os.dup makes them non-inheritable, so no child process gets them.
        protocol_in = os.fdopen(os.dup(0), "rb", buffering=0)
        protocol_out = os.fdopen(os.dup(1), "wb", buffering=0)
        self._objects = (sys.__stdin__, sys.__stdout__, sys.stdin, sys.stdout, sys.stderr)
        sys.__stdin__ = protocol_in  # type: ignore[misc,assignment]
        sys.__stdout__ = protocol_out  # type: ignore[misc,assignment]
        null = os.open(os.devnull, os.O_RDONLY)
        log = os.open(self.log_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
        for target, source in ((0, null), (1, log), (2, log)):
            self._saved.append((target, os.dup(target)))
            os.dup2(source, target)
        os.close(null)
        os.close(log)
        # Python's own stdout and stderr objects keep writing on descriptors 1 and 2: now the log.
        return self

    def __exit__(self, *exc: object) -> None:
        if self._objects is None:
            return
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass
        for target, saved in reversed(self._saved):
            os.dup2(saved, target)
            os.close(saved)
        self._saved.clear()
        protocol_in, protocol_out = sys.__stdin__, sys.__stdout__
        sys.__stdin__, sys.__stdout__, sys.stdin, sys.stdout, sys.stderr = self._objects  # type: ignore[misc]
        self._objects = None
        for stream in (protocol_in, protocol_out):
            if stream is not None:
                stream.close()
        try:
            if self.log_path.stat().st_size == 0:  # a quiet session leaves no empty log behind
                self.log_path.unlink()
        except OSError:
            pass
