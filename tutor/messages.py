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
