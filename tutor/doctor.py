"""What this machine gives the tutor: versions, the device, the terminal and where files are kept.

Each probe is a plain function returning a :class:`Probe` (facts for people, data for ``--json``). A probe that
raises does not stop the others: :func:`run_probe` turns the exception into the probe's ``error``, which the
report shows in its place. A fact that points at a problem carries ``advice``: what to do about it.

The probes are shared by ``rnn-tutor doctor`` (text or JSON, no terminal needed) and the TUI's doctor screen.
This module imports neither Textual nor TensorFlow at module level: versions come from package metadata,
TensorFlow is reached through :mod:`tutor.engine.runtime` only in the device probe, and the terminal probe
rebuilds the colour decision Textual makes (from Rich and the environment) without importing Textual.
"""

from __future__ import annotations

import io
import json
import locale
import os
import re
import platform
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field
from importlib import metadata, resources
from pathlib import Path
from typing import Any, Callable, Mapping

from tutor.paths import MIN_TERMINAL, data_dir, exercises_dir, progress_file, tensorflow_log

MIN_WIDTH, MIN_HEIGHT = MIN_TERMINAL  # the same bound as the app's "too small" notice

# distribution name -> JSON key
PACKAGES = {
    "rnn-tutor": "rnn_tutor", "tensorflow": "tensorflow", "keras": "keras", "numpy": "numpy",
    "textual": "textual", "rich": "rich", "plotext": "plotext", "textual-plotext": "textual_plotext",
}
GPU_EXTRA = 'pip install "rnn-tutor[gpu]"'


@dataclass
class Fact:
    label: str
    value: str
    advice: str | None = None  # set when the value points at a problem: what to do


@dataclass
class Probe:
    name: str  # the key in the JSON report
    title: str
    facts: list[Fact] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)
    error: str | None = None  # the probe itself failed: why

    def add(self, label: str, value: object, advice: str | None = None) -> None:
        self.facts.append(Fact(label, str(value), advice))


@dataclass
class Report:
    probes: list[Probe]

    def problems(self) -> list[dict[str, str]]:
        found = []
        for probe in self.probes:
            if probe.error:
                found.append({"probe": probe.name, "what": f"the {probe.name} probe failed: {probe.error}",
                              "advice": "the rest of the report still holds; report this failure"})
            for fact in probe.facts:
                if fact.advice:
                    found.append({"probe": probe.name, "what": f"{fact.label}: {fact.value}",
                                  "advice": fact.advice})
        return found

    def to_json(self) -> dict[str, Any]:
        """One object: the versions at the top level, then one key per other probe."""
        out: dict[str, Any] = {}
        for probe in self.probes:
            if probe.name == "versions":
                out.update(probe.data)
                if probe.error:
                    out["versions_error"] = probe.error
            else:
                out[probe.name] = {"error": probe.error, **probe.data} if probe.error else probe.data
        out["problems"] = self.problems()
        return out


def run_probe(name: str, title: str, fn: Callable[[Probe], None]) -> Probe:
    """Run one probe; an exception becomes its error and keeps whatever facts it gathered before."""
    probe = Probe(name, title)
    try:
        fn(probe)
    except Exception as err:  # noqa: BLE001 - a report must not fail because one thing in it did
        probe.error = f"{type(err).__name__}: {err}" if str(err) else type(err).__name__
    return probe


# -- versions ------------------------------------------------------------------------------------------------
def version_of(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def probe_versions(probe: Probe) -> None:
    """From package metadata, so nothing heavy is imported."""
    from tutor import __version__

    probe.data["python"] = platform.python_version()
    probe.add("Python", f"{platform.python_version()} ({sys.executable})")
    for dist, key in PACKAGES.items():
        found = __version__ if dist == "rnn-tutor" else version_of(dist)
        if dist == "rnn-tutor" and version_of(dist) not in (None, __version__):
            found = f"{__version__} (installed metadata says {version_of(dist)})"
        probe.data[key] = found
        if found is None:
            probe.add(dist, "not installed", f'pip install "rnn-tutor" brings {dist}')
        else:
            probe.add(dist, found)


# -- device --------------------------------------------------------------------------------------------------
def nvidia_smi() -> list[dict[str, Any]] | None:
    """The driver's view of the GPUs, or None when there is no nvidia-smi. No TensorFlow involved."""
    exe = shutil.which("nvidia-smi")
    if exe is None:
        return None
    try:
        out = subprocess.run([exe, "--query-gpu=index,name,memory.total,driver_version",
                              "--format=csv,noheader,nounits"], capture_output=True, text=True, timeout=10)
        if out.returncode != 0:
            lines = (out.stderr or out.stdout).strip().splitlines()
            return [{"error": lines[-1] if lines else f"exit status {out.returncode}"}]
        gpus = []
        for row in out.stdout.strip().splitlines():
            index, name, memory, driver = (part.strip() for part in row.split(","))
            gpus.append({"index": int(index), "name": name, "memory_mib": int(float(memory)), "driver": driver})
        return gpus
    except (OSError, ValueError, subprocess.SubprocessError) as err:  # a hung or odd driver: say so, go on
        return [{"error": f"{type(err).__name__}: {err}"}]


def lstm_kernel(trace: bool) -> dict[str, str]:
    """Which kernel a default Keras LSTM gets. The rules say (models.kernel_in_use); with ``trace`` (on a GPU) a
    tiny LSTM is traced and run too: a CudnnRNN* op in its graph shows Keras chose the fused kernel."""
    from tutor.engine import models, runtime

    keras = runtime.keras()
    layer = keras.layers.LSTM(4)
    found = {"rules": models.kernel_in_use(layer)}
    if trace:
        tf = runtime.tensorflow()
        traced = tf.function(lambda x: layer(x))
        graph = traced.get_concrete_function(tf.TensorSpec((2, 5, 3), tf.float32)).graph
        fused = sorted({op.type for op in graph.get_operations() if op.type.startswith("CudnnRNN")})
        try:
            traced(tf.zeros((2, 5, 3)))
        except Exception as err:  # noqa: BLE001 - the op exists but cannot run: say so, keep the report
            found["ran"] = f"failed to run ({type(err).__name__}: {str(err).splitlines()[0][:120]})"
            found["advice"] = f"the GPU kernels could not run; {GPU_EXTRA} installs CUDA and cuDNN"
            return found
        found["ran"] = f"fused cuDNN kernel ({fused[0]} in the graph)" if fused else "generic loop (no CudnnRNN op)"
    return found


def probe_device(probe: Probe, log_path: Path | None = None) -> None:
    from tutor.engine import runtime

    smi = nvidia_smi()
    probe.data["nvidia_smi"] = smi
    report = runtime.device_report()
    probe.data.update(report)
    gpus = report["gpus"]
    if report["load_seconds"] is not None:
        probe.add("TensorFlow loaded in", f"{report['load_seconds']:.1f} s")
    if gpus:
        memory = {g["index"]: g["memory_mib"] for g in smi or [] if "memory_mib" in g}
        for i, gpu in enumerate(gpus):
            extra = [f"compute {gpu['compute_capability']}"] if gpu["compute_capability"] else []
            if i in memory and len(memory) == len(gpus):  # match by index only when the counts agree
                gpu["memory_mib"] = memory[i]
                extra.append(f"{memory[i] / 1024:.0f} GiB")
            probe.add(gpu["device"].replace("/physical_device:", ""), f"{gpu['name']} ({', '.join(extra)})"
                      if extra else gpu["name"])
    else:
        threads = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
        intra, inter = report["intra_op_threads"], report["inter_op_threads"]
        probe.add("device", "CPU" + (" (no GPU seen by TensorFlow)" if smi else ""), _no_gpu_advice(
            smi, report, log_path))
        probe.add("threads", f"intra-op {intra or 'auto'}, inter-op {inter or 'auto'} "
                             f"({threads} CPU{'s' if threads != 1 else ''} for this process)")
    cuda = report["cuda_version"] if report["cuda_build"] else None
    probe.add("built with", f"CUDA {cuda}, cuDNN {report['cudnn_version']}" if cuda else "no CUDA (CPU-only build)")
    kernel = lstm_kernel(bool(gpus))
    probe.data["lstm_kernel"] = kernel
    probe.add("LSTM kernel", kernel.get("ran", kernel["rules"]), kernel.get("advice"))


def _no_gpu_advice(smi: list | None, report: dict, log_path: Path | None) -> str | None:
    if not smi:
        return None  # no NVIDIA driver: a CPU machine, nothing to fix
    if all("error" in gpu for gpu in smi):
        return f"nvidia-smi is installed but failed ({smi[0]['error']}): the NVIDIA driver is not working"
    visible = os.environ.get("CUDA_VISIBLE_DEVICES")
    if visible is not None and visible.strip() in ("", "-1"):
        return f"CUDA_VISIBLE_DEVICES={visible!r} hides the GPUs; unset it"
    cudnn = [d for d in ("nvidia-cudnn-cu12", "nvidia-cudnn-cu13") if version_of(d)]
    where = f"; TensorFlow's messages: {log_path}" if log_path else ""
    if not report["cuda_build"] or not cudnn:
        return f"nvidia-smi sees a GPU but TensorFlow does not: {GPU_EXTRA}{where}"
    return f"nvidia-smi sees a GPU but TensorFlow does not: check the driver's CUDA version{where}"


# -- terminal ------------------------------------------------------------------------------------------------
COLOUR_NAMES = {"standard": "16 colours", "256": "256 colours", "truecolor": "truecolor (24-bit)",
                "windows": "Windows console colours", None: "no colour"}


def textual_color_system(env: Mapping[str, str]) -> str | None:
    """The colour system Textual 8 will use: it builds a Rich Console with ``TEXTUAL_COLOR_SYSTEM`` (default
    "auto"), forces terminal mode and hides NO_COLOR from Rich (Textual applies NO_COLOR itself, as a filter).
    Rich's "auto" reads COLORTERM (truecolor/24bit) and then the suffix of TERM (-256color, -16color...)."""
    from rich.console import Console

    environ = dict(env)
    environ.pop("NO_COLOR", None)
    asked = env.get("TEXTUAL_COLOR_SYSTEM", "auto")
    system: Any = asked if asked in ("auto", "standard", "256", "truecolor", "windows") else "auto"
    console = Console(color_system=system, file=io.StringIO(), force_terminal=True, _environ=environ)
    return console.color_system


def terminal_size() -> tuple[int, int] | None:
    for fd in (1, 2, 0):  # any of them may be the terminal when the others are piped
        try:
            size = os.get_terminal_size(fd)
            return size.columns, size.lines
        except OSError:
            continue
    return None


def locale_name(env: Mapping[str, str]) -> tuple[str, str]:
    """The variable that decides the character set, and its value (LC_ALL beats LC_CTYPE beats LANG)."""
    for name in ("LC_ALL", "LC_CTYPE", "LANG"):
        if env.get(name):
            return name, env[name]
    return "LANG", ""


def read_marker(path: Path) -> str | None:
    """The chart marker saved in the progress file, read without touching the file (it may be damaged)."""
    try:
        return json.loads(path.read_text(encoding="utf-8")).get("settings", {}).get("marker")
    except (OSError, ValueError, AttributeError):
        return None


def probe_terminal(probe: Probe, env: Mapping[str, str] | None = None, size: tuple[int, int] | None = None,
                   color_system: str | None | bool = False, marker: str | None = None) -> None:
    """``size`` and ``color_system`` come from the running app when there is one; else from this process."""
    env = os.environ if env is None else env
    term = env.get("TERM", "")
    size = size or terminal_size()
    data = probe.data
    data["term"] = term
    data["size"] = list(size) if size else None
    if size is None:
        probe.add("size", "not a terminal (output is piped); the tutor itself needs one")
    else:
        small = size[0] < MIN_WIDTH or size[1] < MIN_HEIGHT
        probe.add("size", f"{size[0]}×{size[1]}",
                  f"enlarge the terminal to at least {MIN_WIDTH}×{MIN_HEIGHT}" if small else None)

    if color_system is False:
        color_system = textual_color_system(env)
    assert color_system is not True
    data["color_system"] = color_system
    data["no_color"] = "NO_COLOR" in env
    data["textual_color_system"] = env.get("TEXTUAL_COLOR_SYSTEM")
    why = f"TERM={term or '(unset)'}" + (f", COLORTERM={env['COLORTERM']}" if env.get("COLORTERM") else "")
    if env.get("TEXTUAL_COLOR_SYSTEM"):
        why = f"TEXTUAL_COLOR_SYSTEM={env['TEXTUAL_COLOR_SYSTEM']}"
    advice = None
    if color_system in ("standard", None) and not data["no_color"]:
        advice = ("charts and highlights lose their shades; if the terminal can do more, set "
                  "TERM=xterm-256color or COLORTERM=truecolor")
    probe.add("colours", f"{COLOUR_NAMES.get(color_system, color_system)} ({why})", advice)
    if data["no_color"]:
        probe.add("NO_COLOR", "set: Textual draws in monochrome (unset NO_COLOR for colour)")

    var, value = locale_name(env)
    # sys.__stdout__: inside the TUI sys.stdout is Textual's print capture, which has no encoding
    encoding = (getattr(sys.__stdout__, "encoding", None) or locale.getpreferredencoding(False) or "").lower()
    utf8_locale = "utf-8" in value.lower() or "utf8" in value.lower()
    data["locale"] = {"variable": var, "value": value, "python_encoding": encoding, "utf8": utf8_locale}
    probe.add("locale", f"{var}={value or '(unset)'}; Python writes {encoding or 'unknown'}",
              None if utf8_locale else "set LANG=C.UTF-8 (or another UTF-8 locale) for lines, arrows and braille")

    # The Linux text console's fonts have no braille; dumb terminals draw nothing special.
    braille = utf8_locale and term not in ("linux", "dumb", "vt100", "vt220", "")
    marker = marker or read_marker(progress_file())
    data["braille_likely"] = braille
    data["marker"] = marker
    setting = f"; chart marker: {marker or 'braille'} (m cycles braille, blocks, dots, ascii)"
    probe.add("braille charts", ("likely to render ⣿⡇" if braille else "unlikely to render") + setting,
              None if braille or marker not in (None, "braille") else
              "press m in the tutor until the marker is blocks or ascii")

    tmux, screen = bool(env.get("TMUX")), bool(env.get("STY"))
    multiplexer = "tmux" if tmux else "screen" if screen else None
    if multiplexer is None and (term.startswith("screen") or term.startswith("tmux")):
        multiplexer = f"a multiplexer (TERM={term})"
    ssh = bool(env.get("SSH_CONNECTION") or env.get("SSH_TTY") or env.get("SSH_CLIENT"))
    data["multiplexer"] = multiplexer
    data["ssh"] = ssh
    advice = None
    if multiplexer and color_system == "standard" and not data["no_color"]:
        advice = f"inside {multiplexer}: set its default-terminal to tmux-256color (or screen-256color)"
    probe.add("session", ", ".join(filter(None, [f"inside {multiplexer}" if multiplexer else None,
                                                  "over SSH" if ssh else None])) or "local, no multiplexer",
              advice)


# -- paths ---------------------------------------------------------------------------------------------------
def _unwritable(path: Path) -> str | None:
    """Why the path cannot be created or written, naming the folder at fault; None when it can. A temporary
    file is made in the nearest folder that exists: os.access misses read-only mounts and immutable folders."""
    existing = next((p for p in (path, *path.parents) if p.exists()), None)
    if existing is None:
        return f"none of the folders of {path} exists"
    if existing != path and not existing.is_dir():
        return f"{existing} is a file, not a folder"
    folder = existing if existing.is_dir() else existing.parent
    try:
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as err:
        return f"{folder} cannot be written ({err.strerror or err})"
    return None


def _describe_file(path: Path) -> str:
    if path.is_file():
        return f"{path} ({path.stat().st_size:,} bytes)"
    if path.is_dir():
        return f"{path} ({sum(1 for _ in path.iterdir())} entries)"
    return f"{path} (not created yet)"


def probe_paths(probe: Probe) -> None:
    from tutor.curriculum.loader import default_lessons_dir
    progress = progress_file()
    paths = {
        "home": data_dir(),
        "progress": progress,
        "settings": progress,  # the settings (chart marker) are kept in the progress file
        "tensorflow_log": tensorflow_log(),
        "exercises": exercises_dir(),
        "lessons": default_lessons_dir(),
    }
    probe.data.update({key: str(path) for key, path in paths.items()})
    probe.data["rnn_tutor_home"] = os.environ.get("RNN_TUTOR_HOME")
    def advice(path: Path) -> str | None:
        problem = _unwritable(path)
        return problem and f"{problem}; set RNN_TUTOR_HOME to a folder you can write"

    probe.add("progress", _describe_file(progress), advice(progress))
    probe.add("settings", "in the progress file (chart marker)")
    log = paths["tensorflow_log"]
    probe.add("TensorFlow log", _describe_file(log), advice(log))
    probe.add("exercises", _describe_file(paths["exercises"]), advice(paths["exercises"]))
    lessons = paths["lessons"]
    count = len(list(lessons.glob("*.md"))) if lessons.is_dir() else 0
    probe.data["lesson_files"] = count
    probe.add("lessons", f"{lessons} ({count} lesson files)",
              None if count else "no lessons there: set RNN_TUTOR_LESSONS to the lessons folder, or reinstall")
    # Lesson 6 sends the learner here for where the data sets come from (DATA.md beside them).
    sources = Path(str(resources.files("tutor.data"))) / "DATA.md"
    probe.data["data_sources"] = str(sources)
    probe.add("data sources", str(sources))


# -- all of them ---------------------------------------------------------------------------------------------
def run_all(with_device: bool = True, terminal: dict[str, Any] | None = None,
            log_path: Path | None = None, skipped_note: str = "not probed (TensorFlow not loaded)") -> Report:
    """Every probe, in the order the report shows them. ``terminal`` passes the app's own view (size,
    color_system, marker) to the terminal probe; ``with_device=False`` skips TensorFlow (quick checks)."""
    log_path = log_path or tensorflow_log()
    probes = [run_probe("versions", "Versions", probe_versions)]
    if with_device:
        probes.append(run_probe("device", "Device", lambda p: probe_device(p, log_path)))
    else:
        skipped = Probe("device", "Device", data={"skipped": True})
        skipped.add("device", skipped_note)
        probes.append(skipped)
    probes.append(run_probe("terminal", "Terminal", lambda p: probe_terminal(p, **(terminal or {}))))
    probes.append(run_probe("paths", "Where things are kept", probe_paths))
    return Report(probes)


def wrap_path(value: str, width: int) -> str:
    """Each path in ``value`` longer than ``width`` broken into lines after a "/" (Rich folds a word anywhere:
    ".../tutor/l" and "essons"); the rest (spaces, short words) is left to Rich's wrapping."""
    return " ".join(_wrap_word(word, width) for word in value.split(" "))


def _wrap_word(value: str, width: int) -> str:
    if len(value) <= width or "/" not in value:
        return value
    lines, line = [], ""
    for part in re.split(r"(?<=/)", value):
        if line and len(line) + len(part) > width:
            lines.append(line)
            line = ""
        line += part
    return "\n".join([*lines, line])


def render(report: Report, width: int | None = None) -> Any:
    """The report as a Rich renderable (a table per probe); used by the command line and the TUI screen. With
    ``width`` (the space the report has), long paths break after a "/"."""
    from rich.console import Group
    from rich.table import Table
    from rich.text import Text

    parts: list[Any] = []
    for probe in report.probes:
        label_width = max((len(fact.label) for fact in probe.facts), default=0)
        room = None if width is None else max(20, width - label_width - 5)  # the label column and padding
        table = Table(title=probe.title, title_justify="left", title_style="bold", show_header=False,
                      box=None, padding=(0, 1), expand=False)
        table.add_column(style="dim", no_wrap=True)
        table.add_column(overflow="fold")
        for fact in probe.facts:
            table.add_row(fact.label, fact.value if room is None else wrap_path(fact.value, room))
            if fact.advice:
                table.add_row("", Text("→ " + fact.advice, style="yellow"))
        if probe.error:
            table.add_row("failed", Text(f"{probe.error} (the other sections are unaffected)", style="red"))
        parts.append(table)
        parts.append(Text(""))
    problems = report.problems()
    summary = ("Nothing to fix." if not problems else
               f"{len(problems)} thing{'s' if len(problems) > 1 else ''} to look at (the → lines above).")
    parts.append(Text(summary, style="yellow" if problems else "green"))
    return Group(*parts)
