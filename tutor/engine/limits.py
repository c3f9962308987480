"""Limits that keep a lab safe to run on a small machine, and the words a summary uses when one is reached.

- :func:`time_limit_param` and :class:`Deadline`: every lab that trains gets a ``time_limit`` parameter (0: no
  limit) and gives its ``Deadline`` to the one training loop (``Trainer.fit``,
  :func:`tutor.engine.training.train_steps`), which asks ``deadline.passed()`` between chunks and stops
  cleanly; the summary says so in one sentence (:meth:`Deadline.note`).
- :func:`check_activation_memory`: backpropagation through time keeps every step's activations, so memory
  grows with batch × steps × units × gate blocks. A combination that would need gigabytes is refused before
  the run — when a lesson loads, when a form is submitted, on the command line — naming the parameter.

Both are plain Python: the curriculum checks lab parameters with them when the app starts, without NumPy.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from tutor.engine.experiment import Param, ParamError

GATE_BLOCKS = {"simple_rnn": 1, "lstm": 4, "gru": 3}

# Measured: gradient-flow (a cell stepped under a gradient tape) with an LSTM, T=1000, 256 units, batch 256
# peaked at 6.4 GB RSS, about 25 bytes per (sequence, step, unit, gate block) above TensorFlow's own ~0.5 GB.
BYTES_PER_ACTIVATION = 25
ACTIVATION_BUDGET_BYTES = 1.0e9  # leaves room for TensorFlow and the app on a machine with 2–4 GB free


def time_limit_param(default: float) -> Param:
    """The ``time_limit`` parameter of a lab that trains (seconds; 0 means none)."""
    return Param("time_limit", "float", default, "stop training after this many seconds (0: no limit)", 0, 3600)


@dataclass
class Deadline:
    """When a run must stop training. ``passed()`` is cheap; the training loop calls it between chunks."""

    seconds: float  # 0: no limit
    started: float = field(default_factory=time.monotonic)
    reached: bool = False

    def passed(self) -> bool:
        if self.seconds and not self.reached and time.monotonic() - self.started > self.seconds:
            self.reached = True
        return self.reached

    def note(self) -> str:
        """A sentence for the summary when the limit stopped the run; empty otherwise."""
        if not self.reached:
            return ""
        return (f" It stopped at its time limit of {self.seconds:g} s before finishing: what it shows is "
                "unfinished training (raise time_limit to let it finish).")


def activation_bytes(cell: str, batch: int, seq_len: int, units: int) -> float:
    return float(BYTES_PER_ACTIVATION) * batch * seq_len * units * GATE_BLOCKS.get(cell, 4)


def check_activation_memory(cell: str, batch: int, seq_len: int, units: int, name: str = "seq_len",
                            batch_name: str = "batch") -> None:
    """Refuse a run whose BPTT activations would need more than the budget, naming ``name``."""
    need = activation_bytes(cell, batch, seq_len, units)
    if need > ACTIVATION_BUDGET_BYTES:
        raise ParamError(name, f"{batch_name} {batch} × seq_len {seq_len} × units {units} ({cell}) would keep "
                               f"about {need / 1e9:.1f} GB of activations for backpropagation through time; "
                               f"make their product smaller (at most about {ACTIVATION_BUDGET_BYTES / 1e9:g} GB)")
