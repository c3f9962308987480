"""The contract every experiment follows: typed parameters, a run context, typed reports, and the errors a run
can end in.

An experiment is a plain function ``fn(params, ctx) -> result``. ``params`` is a dict already parsed against
the experiment's :class:`Param` list, once, where the values came in (the lab's form or the command line; see
:meth:`Experiment.validate`); ``ctx`` is a :class:`RunContext` through which it reports progress and learns
that it was cancelled; the result is a JSON-serialisable dict. The TUI runs the function in a thread worker
and draws what it reports; ``rnn-tutor run`` calls the same function headless.

Results and progress snapshots share one shape, :class:`Report`: an optional ``figure`` (a :class:`Figure` of
:class:`Series`, made by :func:`figure` and :func:`series`), ``summary`` (one or two sentences), ``text``
(preformatted lines) and ``set_params`` ({name: value}, when the run used a different value than asked, such
as a step clamped to the end of a sequence; the lab writes it back into the form). A result adds named values
of its own beside those keys (:data:`DISPLAY_KEYS`); ``--json`` prints the whole dict.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Iterator, Literal, Mapping, Protocol, Sequence, TypedDict

ParamKind = Literal["int", "float", "choice", "text", "floats", "bool"]
SeriesStyle = Literal["line", "scatter", "bar"]  # the styles the TUI's chart draws


class Numbers(Protocol):
    """What a series or a grid row takes: a list, a tuple or a 1-D NumPy array of numbers."""

    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[float]: ...
    def __getitem__(self, index: int, /) -> float: ...


class ParamError(ValueError):
    """A parameter value was refused; ``name`` says which field it belongs to."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(f"{name}: {message}")
        self.name = name
        self.message = message


class Cancelled(Exception):
    """The run was stopped by the learner (or the app is quitting)."""


class Diverged(Exception):
    """Training produced a NaN or infinite loss; the message explains what happened and what to change."""


CELLS = ("simple_rnn", "lstm", "gru")  # the one cell vocabulary (re-exported by tutor.engine.models)
CELL_NAMES = {"simple_rnn": "vanilla RNN", "lstm": "LSTM", "gru": "GRU"}  # the one label map


@dataclass(frozen=True)
class Param:
    """One parameter of an experiment, with the bounds that keep a run sane on a laptop CPU."""

    name: str  # the Python name; on the command line it is --name-with-dashes
    kind: ParamKind
    default: Any
    help: str
    minimum: float | None = None  # inclusive bounds for numbers (and for each number of a list)
    maximum: float | None = None
    choices: tuple[str, ...] = ()  # for kind="choice"
    max_items: int = 8  # for kind="floats": how many values one run may compare
    max_length: int = 400  # for kind="text"

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")

    def parse(self, raw: Any) -> Any:
        """Turn a typed value (str from a field or the command line, or a TOML value) into a checked one."""
        if self.kind == "int":
            return self._bounded(_to_number(self.name, raw, int), raw)
        if self.kind == "float":
            return self._bounded(_to_number(self.name, raw, float), raw)
        if self.kind == "floats":
            items = raw if isinstance(raw, (list, tuple)) else str(raw).replace(";", ",").split(",")
            inner = str(raw).replace(";", ",").strip().strip(",").split(",") if isinstance(raw, str) else []
            if len(inner) > 1 and any(not part.strip() for part in inner):  # "0.2,,1": a value was lost
                raise ParamError(self.name, f"a value is missing between two commas in {raw.strip()!r}")
            items = [i for i in items if str(i).strip() != ""]
            if not items:
                raise ParamError(self.name, "give at least one number, separated by commas")
            if len(items) > self.max_items:
                raise ParamError(self.name, f"at most {self.max_items} values, got {len(items)}")
            return [self._bounded(_to_number(self.name, i, float), i) for i in items]
        if self.kind == "choice":
            value = str(raw).strip()
            if value not in self.choices:
                raise ParamError(self.name, f"unknown choice {value!r}; choose one of {', '.join(self.choices)}")
            return value
        if self.kind == "bool":
            if isinstance(raw, bool):
                return raw
            text = str(raw).strip().lower()
            if text in ("1", "true", "yes", "on"):
                return True
            if text in ("0", "false", "no", "off"):
                return False
            raise ParamError(self.name, f"expected yes or no, got {raw!r}")
        if self.kind == "text":
            value = str(raw)
            if not value.strip():
                raise ParamError(self.name, "must not be empty")
            if len(value) > self.max_length:
                raise ParamError(self.name, f"at most {self.max_length} characters, got {len(value)}")
            return value
        raise AssertionError(f"unknown parameter kind {self.kind}")  # a bug in an experiment's declaration

    def format(self, value: Any) -> str:
        """The value as a learner would type it."""
        if self.kind == "floats":
            return ", ".join(_short(v) for v in value)
        if self.kind == "float":
            return _short(value)
        if self.kind == "bool":
            return "yes" if value else "no"
        return str(value)

    def describe_range(self) -> str:
        if self.kind == "choice":
            return " | ".join(self.choices)
        if self.minimum is not None and self.maximum is not None:
            return f"{_short(self.minimum)} to {_short(self.maximum)}"
        return self.kind

    def _bounded(self, value: float, raw: Any) -> Any:
        # The error quotes what was typed: `1e301` read as a whole number has 302 digits.
        got = raw.strip() if isinstance(raw, str) else _short(value)
        if self.minimum is not None and value < self.minimum:
            raise ParamError(self.name, f"must be at least {_short(self.minimum)}, got {got}")
        if self.maximum is not None and value > self.maximum:
            raise ParamError(self.name, f"must be at most {_short(self.maximum)}, got {got}")
        return value


SEED = Param("seed", "int", 0, "random seed: the same seed gives the same run", 0, 2**31 - 1)


def cell_param(default: str = "simple_rnn", help: str = "recurrent cell") -> Param:
    """The ``cell`` parameter, choosing from :data:`CELLS`."""
    return Param("cell", "choice", default, help, choices=CELLS)


def _short(value: float) -> str:
    return f"{value:g}" if isinstance(value, float) else str(value)


def _to_number(name: str, raw: Any, kind: type) -> Any:
    if isinstance(raw, bool):
        raise ParamError(name, f"expected a number, got {raw!r}")
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        value = raw
    else:
        text = str(raw).strip()
        if not text:
            raise ParamError(name, "expected a number, the field is empty")
        if "_" in text:  # Python reads 1_0 as 10; a learner who typed it meant something else
            raise ParamError(name, f"expected a number, got {text!r}")
        try:
            value = float(text) if kind is float else int(text, 10)
        except ValueError:
            if kind is int:
                try:
                    value = float(text)  # "1e3" is a whole number written as a float; "1.5" is not
                except ValueError:
                    raise ParamError(name, f"expected a whole number, got {text!r}") from None
                if not (math.isfinite(value) and value.is_integer()):
                    raise ParamError(name, f"expected a whole number, got {text!r}") from None
            else:
                raise ParamError(name, f"expected a number, got {text!r}") from None
    if kind is int and isinstance(value, float):
        if not (math.isfinite(value) and value.is_integer()):
            raise ParamError(name, f"expected a whole number, got {raw!r}")
        value = int(value)
    if isinstance(value, float) and not math.isfinite(value):
        raise ParamError(name, f"expected a finite number, got {raw!r}")
    return kind(value)


class ParsedParams(dict[str, Any]):
    """Parameters checked against an experiment's declaration, complete with defaults. ``registry.run``
    runs these as they are; anything else it parses first."""


@dataclass(frozen=True)
class Experiment:
    """An experiment as the registry knows it: its name, what it computes, its parameters and its function."""

    name: str
    title: str
    fn: Callable[[ParsedParams, RunContext], Result]
    params: tuple[Param, ...]
    uses_tensorflow: bool  # such a run waits for TensorFlow to load and for the one training slot
    # Checks parameters that are only wrong together (a window longer than the series); raises ParamError
    # naming one of them. validate runs it, so a lesson's lab, the form and the command line all refuse them.
    check: Callable[[dict[str, Any]], None] | None = None

    def param(self, name: str) -> Param:
        for p in self.params:
            if p.name == name:
                return p
        raise KeyError(name)

    def defaults(self) -> ParsedParams:
        """Every default, parsed like any value (a float parameter's default ``0`` becomes ``0.0``)."""
        return self.validate({})

    def validate(self, raw: Mapping[str, Any]) -> ParsedParams:
        """Fill defaults and parse every value. Raises :class:`ParamError` for the first bad one."""
        good, bad = self.validate_all(raw)
        if bad:
            name = next(iter(bad))
            raise ParamError(name, bad[name])
        return good

    def validate_all(self, raw: Mapping[str, Any]) -> tuple[ParsedParams, dict[str, str]]:
        """Parse every value (defaults too); return the good ones and a message per bad field (for a form).
        A name the experiment does not have is a bad field of its own."""
        good, bad = ParsedParams(), {}
        for name in raw:
            if not any(p.name == name for p in self.params):
                known = ", ".join(p.name for p in self.params)
                bad[name] = f"{self.name} has no parameter {name!r} (it has {known})"
        for p in self.params:
            try:
                good[p.name] = p.parse(raw[p.name] if p.name in raw else p.default)
            except ParamError as err:
                bad[p.name] = err.message
        if not bad and self.check is not None:
            try:
                self.check(good)
            except ParamError as err:
                bad[err.name] = err.message
        return good, bad


@dataclass
class RunContext:
    """What an experiment gets besides its parameters: a throttled progress channel and a cancel flag.

    ``report`` is given a snapshot that carries the whole history so far, so a dropped or merged update loses
    nothing; snapshots are passed on at most every ``min_interval`` seconds unless forced. Give it a function
    that builds the snapshot, and the snapshot is built only when it will be sent (a whole-history figure
    costs more with every step).
    """

    on_progress: Callable[[Report], object] = lambda snapshot: None  # what it returns is ignored
    is_cancelled: Callable[[], bool] = lambda: False
    min_interval: float = 0.1
    _last: float = field(default=-math.inf, repr=False)

    def report(self, snapshot: Report | Callable[[], Report], force: bool = False) -> None:
        now = time.monotonic()
        if force or now - self._last >= self.min_interval:
            self._last = now
            self.on_progress(snapshot() if callable(snapshot) else snapshot)

    def check(self) -> None:
        """Raise :class:`Cancelled` if the run should stop; call it in every loop."""
        if self.is_cancelled():
            raise Cancelled()




class Series(TypedDict):
    """One plotted line (or scatter, or bars): x and y of equal length; a non-finite y is None (JSON has no NaN)."""

    label: str
    x: list[float]
    y: list[float | None]
    style: SeriesStyle


class Figure(TypedDict):
    """A chart, drawn by the TUI's chart widget and printed as data by ``--json``."""

    title: str
    xlabel: str
    ylabel: str
    yscale: Literal["linear", "log"]
    series: list[Series]


class Report(TypedDict, total=False):
    """What a lab shows: a progress snapshot, and the display part of a result (which adds its own values)."""

    figure: Figure
    summary: str
    text: str
    set_params: dict[str, Any]  # values the run used instead of those asked; the form takes them


DISPLAY_KEYS = frozenset(Report.__annotations__)  # the keys of a result that are shown rather than data
Result = dict[str, Any]  # a Report's keys, typed as there, plus the experiment's named values


def series(label: str, y: Numbers, x: Numbers | None = None, style: SeriesStyle = "line") -> Series:
    """One plotted series. Non-finite values are kept as None so JSON stays valid."""
    xs: list[float] = list(range(len(y))) if x is None else [float(v) for v in x]
    ys = [float(v) if math.isfinite(float(v)) else None for v in y]
    return {"label": label, "x": xs, "y": ys, "style": style}


def figure(
    title: str,
    series_list: Iterable[Series],
    xlabel: str = "",
    ylabel: str = "",
    yscale: Literal["linear", "log"] = "linear",
) -> Figure:
    """A chart description, drawn by the TUI's chart widget and printed as data by ``--json``."""
    return {"title": title, "xlabel": xlabel, "ylabel": ylabel, "yscale": yscale, "series": list(series_list)}


def step_grid(rows: Sequence[tuple[str, Numbers | Sequence[Any]]], cell: int = 6, show: Callable[[Any], str] = str,
              header: str = "t", first_step: int = 0, width: int = 68) -> list[str]:
    """A table with one row per name and one column per time step (numbered from ``first_step``), ``cell``
    characters a column, split into blocks of columns that fit in ``width`` characters (an 80-column lab)."""
    label = max(len(header), *(len(name) for name, _ in rows)) + 1
    steps = len(rows[0][1]) if rows else 0
    per_block = max(1, (width - label) // cell)
    out: list[str] = []
    for start in range(0, steps, per_block):
        cols = range(start, min(steps, start + per_block))
        out.append(header.ljust(label) + "".join(str(first_step + c).rjust(cell) for c in cols))
        out.extend(name.ljust(label) + "".join(show(values[c]).rjust(cell) for c in cols) for name, values in rows)
        out.append("")
    return out[:-1]


def signed_grid(rows: Sequence[tuple[str, Numbers]], first_step: int = 0) -> list[str]:
    """:func:`step_grid` of signed values with two decimals (activations, states)."""
    from tutor.engine.wording import signed

    return step_grid(rows, 6, signed, first_step=first_step)  # never "-0.00"


def diverged_message(loss: float, step: int, advice: str, where: str = "") -> str:
    """The one wording of a stopped run: what the loss became, at which step (``where``: in which network,
    for a lab that trains two), and what to change."""
    return f"The loss became {loss} at training step {step}{' in ' + where if where else ''}. {advice}"


def check_finite(loss: float, step: int, advice: str, where: str = "") -> None:
    """Raise :class:`Diverged` with an explanation when a loss is NaN or infinite."""
    if not math.isfinite(loss):
        raise Diverged(diverged_message(loss, step, advice, where))
