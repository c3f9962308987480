"""`rnn-tutor doctor`: the probes alone, a failing probe, the command line, and the TUI screen."""

import io
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tutor import doctor
from tutor.engine import runtime

from .conftest import pick_from_palette, wait_until

REPO = Path(__file__).resolve().parents[1]
KEYS = {"python", "tensorflow", "keras", "numpy", "textual", "device", "terminal", "paths"}


def terminal(env, **kwargs):
    probe = doctor.Probe("terminal", "Terminal")
    doctor.probe_terminal(probe, env=env, **kwargs)
    return probe


def advice(probe, label):
    return next(f.advice for f in probe.facts if f.label == label)


def cli(*args, env=None):
    env = {**os.environ, "PYTHONPATH": str(REPO), **(env or {})}
    return subprocess.run([sys.executable, "-m", "tutor", "doctor", *args], capture_output=True, text=True,
                          env=env, timeout=120, stdin=subprocess.DEVNULL)


# -- the terminal probe reads what Textual would -------------------------------------------------------------
def test_colour_depth_follows_term_colorterm_and_textual_override():
    assert terminal({"TERM": "xterm", "LANG": "C.UTF-8"}, size=(80, 24)).data["color_system"] == "standard"
    assert terminal({"TERM": "xterm-256color"}, size=(80, 24)).data["color_system"] == "256"
    assert terminal({"TERM": "xterm", "COLORTERM": "truecolor"}, size=(80, 24)).data["color_system"] == "truecolor"
    forced = terminal({"TERM": "xterm-256color", "TEXTUAL_COLOR_SYSTEM": "standard"}, size=(80, 24))
    assert forced.data["color_system"] == "standard" and "TEXTUAL_COLOR_SYSTEM" in forced.facts[1].value
    assert "256color" in advice(terminal({"TERM": "xterm", "LANG": "C.UTF-8"}, size=(80, 24)), "colours")


def test_no_color_is_reported_as_textual_applies_it():
    probe = terminal({"TERM": "xterm-256color", "NO_COLOR": "1", "LANG": "C.UTF-8"}, size=(80, 24))
    assert probe.data["no_color"] is True
    assert probe.data["color_system"] == "256"  # Textual hides NO_COLOR from Rich and filters to monochrome
    assert any(f.label == "NO_COLOR" and "monochrome" in f.value for f in probe.facts)


def test_problems_carry_advice_size_locale_braille():
    probe = terminal({"TERM": "linux", "LANG": "POSIX"}, size=(70, 20), marker="braille")
    assert "80×24" in advice(probe, "size")
    assert "LANG=C.UTF-8" in advice(probe, "locale")
    assert probe.data["braille_likely"] is False and "press m" in advice(probe, "braille charts")
    fine = terminal({"TERM": "xterm-256color", "LANG": "en_GB.UTF-8"}, size=(120, 40), marker="braille")
    assert [f.advice for f in fine.facts] == [None] * len(fine.facts)
    # the learner already chose a marker without braille: nothing to fix
    assert advice(terminal({"TERM": "linux", "LANG": "C.UTF-8"}, size=(80, 24), marker="ascii"),
                  "braille charts") is None


def test_multiplexer_and_ssh():
    probe = terminal({"TERM": "screen", "TMUX": "/tmp/tmux-1/default,1,0", "SSH_CONNECTION": "a b c d",
                      "LANG": "C.UTF-8"}, size=(80, 24))
    assert probe.data["multiplexer"] == "tmux" and probe.data["ssh"] is True
    assert "tmux-256color" in advice(probe, "session")
    assert terminal({"TERM": "screen.xterm-256color", "STY": "123.pts"}, size=(80, 24)).data["multiplexer"] == "screen"
    assert terminal({"TERM": "xterm"}, size=(80, 24)).data["ssh"] is False


def test_paths_follow_rnn_tutor_home(private_home):
    probe = doctor.run_probe("paths", "Paths", doctor.probe_paths)
    assert probe.error is None
    assert probe.data["exercises"] == str(private_home / "exercises")
    assert probe.data["progress"] == str(private_home / "progress.json")
    assert probe.data["tensorflow_log"] == str(private_home / "state" / "tensorflow.log")
    assert probe.data["lesson_files"] >= 5


def test_gpu_seen_by_the_driver_but_not_tensorflow_says_install_the_extra(monkeypatch):
    monkeypatch.delenv("CUDA_VISIBLE_DEVICES", raising=False)
    monkeypatch.setattr(doctor, "version_of", lambda dist: None)  # no cuDNN wheel installed
    smi = [{"index": 0, "name": "NVIDIA H100", "memory_mib": 81559, "driver": "550"}]
    said = doctor._no_gpu_advice(smi, {"cuda_build": True}, Path("/x/tensorflow.log"))
    assert doctor.GPU_EXTRA in said and "/x/tensorflow.log" in said
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "-1")
    assert "CUDA_VISIBLE_DEVICES" in doctor._no_gpu_advice(smi, {"cuda_build": True}, None)
    assert doctor._no_gpu_advice(None, {"cuda_build": True}, None) is None  # a CPU machine: nothing to fix
    broken = [{"error": "NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver."}]
    assert "driver is not working" in doctor._no_gpu_advice(broken, {"cuda_build": True}, None)


def test_device_section_on_a_gpu_server(monkeypatch):
    """The GPU branch's wording, with TensorFlow, nvidia-smi and the traced LSTM faked (no GPU here)."""
    report = {"tensorflow": "2.21.0", "load_seconds": 4.2, "description": "GPU: NVIDIA H100 80GB HBM3",
              "gpus": [{"device": "/physical_device:GPU:0", "name": "NVIDIA H100 80GB HBM3",
                        "compute_capability": "9.0"}],
              "cuda_build": True, "cuda_version": "12.5.1", "cudnn_version": "9",
              "intra_op_threads": 0, "inter_op_threads": 0}
    monkeypatch.setattr(runtime, "device_report", lambda: report)
    monkeypatch.setattr(doctor, "nvidia_smi", lambda: [{"index": 0, "name": "NVIDIA H100 80GB HBM3",
                                                        "memory_mib": 81559, "driver": "550.54"}])
    traced = []
    monkeypatch.setattr(doctor, "lstm_kernel", lambda trace: traced.append(trace) or {
        "rules": "fused cuDNN kernel", "ran": "fused cuDNN kernel (CudnnRNNV3 in the graph)"})
    probe = doctor.run_probe("device", "Device", doctor.probe_device)
    assert probe.error is None and traced == [True]  # the LSTM is traced only where there is a GPU
    facts = {f.label: f.value for f in probe.facts}
    assert facts["GPU:0"] == "NVIDIA H100 80GB HBM3 (compute 9.0, 80 GiB)"
    assert facts["built with"] == "CUDA 12.5.1, cuDNN 9"
    assert facts["LSTM kernel"] == "fused cuDNN kernel (CudnnRNNV3 in the graph)"
    assert probe.data["gpus"][0]["memory_mib"] == 81559 and "threads" not in facts


# -- one probe fails, the report still stands ------------------------------------------------------------
def test_a_failing_probe_reports_why_and_the_rest_still_reports(monkeypatch):
    def broken():
        raise RuntimeError("libcudart.so.12: cannot open shared object file")

    monkeypatch.setattr(runtime, "device_report", broken)
    monkeypatch.setattr(doctor, "nvidia_smi", lambda: None)
    report = doctor.run_all(terminal={"size": (80, 24)})
    by_name = {p.name: p for p in report.probes}
    assert by_name["device"].error == "RuntimeError: libcudart.so.12: cannot open shared object file"
    assert by_name["versions"].error is None and by_name["paths"].error is None
    assert by_name["terminal"].error is None
    data = report.to_json()
    assert KEYS <= set(data)
    assert data["device"]["error"].startswith("RuntimeError: libcudart")
    assert data["numpy"] and data["paths"]["lessons"]
    assert any(p["probe"] == "device" for p in data["problems"])
    json.dumps(data)  # still a plain JSON object
    from rich.console import Console

    console = Console(file=io.StringIO(), width=80, color_system=None)
    console.print(doctor.render(report))
    text = console.file.getvalue()
    assert "libcudart.so.12" in text and "Where things are kept" in text


def test_a_probe_keeps_the_facts_it_gathered_before_failing():
    def half(probe):
        probe.add("first", "gathered")
        raise ValueError("then broke")

    probe = doctor.run_probe("x", "X", half)
    assert [f.value for f in probe.facts] == ["gathered"] and probe.error == "ValueError: then broke"


def test_the_doctor_module_imports_neither_textual_nor_tensorflow():
    code = ("import sys; from tutor import doctor; doctor.run_all(with_device=False);"
            "print(','.join(sorted({m.split('.')[0] for m in sys.modules})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={**os.environ, "PYTHONPATH": str(REPO)})
    assert not {"textual", "tensorflow", "keras"} & set(out.stdout.strip().split(","))


# -- the command line ------------------------------------------------------------------------------------
def test_cli_without_device_works_without_a_terminal():
    out = cli("--json", "--no-device", env={"TERM": "xterm", "LANG": "C.UTF-8"})
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert KEYS <= set(data)
    assert data["device"] == {"skipped": True}
    assert data["terminal"]["size"] is None and data["terminal"]["color_system"] == "standard"
    text = cli("--no-device")
    assert text.returncode == 0 and "Where things are kept" in text.stdout and "not a terminal" in text.stdout


@pytest.mark.slow
def test_cli_json_probes_tensorflow():
    out = cli("--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert KEYS <= set(data)
    device = data["device"]
    assert "error" not in device, device
    assert device["tensorflow"] == data["tensorflow"]
    assert device["description"] == "CPU" or device["description"].startswith("GPU")
    assert "kernel" in device["lstm_kernel"]["rules"]
    assert device["cuda_build"] in (True, False)


@pytest.mark.slow
def test_a_traced_lstm_shows_the_kernel_keras_chose():
    found = doctor.lstm_kernel(trace=True)
    if runtime.device_description().startswith("GPU"):
        assert found["ran"].startswith("fused cuDNN kernel (CudnnRNN") and found["rules"] == "fused cuDNN kernel"
    else:
        assert found["ran"] == "generic loop (no CudnnRNN op)" and found["rules"].startswith("generic kernel (no GPU")


# -- the TUI screen --------------------------------------------------------------------------------------
async def test_doctor_screen_from_help_and_palette(make_app, monkeypatch):
    from tutor.screens.doctor import PROBING, DoctorScreen
    from tutor.screens.help import HelpScreen

    release = threading.Event()

    def fake_device(probe, log_path=None):  # stands in for TensorFlow: waits until the test lets it finish
        release.wait(10)
        probe.add("device", "FakeGPU 0")

    monkeypatch.setattr(doctor, "probe_device", fake_device)
    app = make_app()
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("d")
        screen = app.screen
        assert isinstance(screen, DoctorScreen)
        await wait_until(pilot, lambda: screen.report is not None, timeout=10, what="the doctor's first report")
        device = next(p for p in screen.report.probes if p.name == "device")
        assert not screen.done and device.facts[0].value == PROBING  # the UI is up while the device is probed
        assert next(p for p in screen.report.probes if p.name == "terminal").data["size"] == [80, 24]
        release.set()
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert screen.done
        assert [f.value for p in screen.report.probes if p.name == "device" for f in p.facts] == ["FakeGPU 0"]
        box = screen.query_one("#doctor-box").region
        assert box.right <= 80 and box.bottom <= 24
        await pilot.press("end")  # scrolls to the end: the paths section is reachable
        assert screen.query_one("#doctor-box").scroll_y > 0
        await pilot.press("escape")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")

        await pilot.press("ctrl+p")
        await pick_from_palette(pilot, "Doctor")
        await wait_until(pilot, lambda: isinstance(app.screen, DoctorScreen), timeout=10)
        await app.workers.wait_for_complete()
        await pilot.pause()
        assert app.screen.done
        await pilot.press("escape")
        assert not isinstance(app.screen, DoctorScreen)
