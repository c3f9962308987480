"""App-wide messages."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class EngineStatus(Message):
    """Where the engine stands: loading TensorFlow, ready on a device, or failed."""

    text: str
    ready: bool = False
    failed: bool = False


@dataclass
class ProgressSaveError(Message):
    """Saving progress failed (``text`` says where and why), or works again (``text`` is None)."""

    text: str | None
