"""`rnn-tutor serve`: the tutor in a real browser, and the parts of the server that need none.

The browser tests drive Debian's headless Chromium (`apt-get install chromium chromium-driver`) with Selenium,
through `/usr/bin/chromedriver` so that nothing is downloaded. Without Chromium they are skipped, except under
CI=true, where they fail. One server process per kind of server (module fixtures), one browser for the module;
every wait is bounded, and every process started here is stopped.

What the page shows is read from what the server sent it: a script added before the page's own records the
websocket's bytes, and the test looks for text in them with the escape sequences taken out.
"""

from __future__ import annotations

import json
import os
import re
import select
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tutor import serve, webpath

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ROOT = Path(__file__).resolve().parents[1]
WAIT = 60.0  # seconds for a screen to appear: a session's start on 2 busy cores takes a few
ANSI = re.compile(r"\x1b(\[[0-9;?<>=$]*[ -/]*[@-~]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][0-9A-Za-z]|[=>78])")
# Records what the websocket brings, before textual.js opens it.
RECORDER = """
(() => {
  const Original = window.WebSocket;
  window.__received = "";
  const decoder = new TextDecoder();
  window.WebSocket = function (...args) {
    const socket = new Original(...args);
    socket.addEventListener("message", (event) => {
      if (typeof event.data !== "string") window.__received += decoder.decode(event.data, {stream: true});
    });
    return socket;
  };
  window.WebSocket.prototype = Original.prototype;
})();
"""


def _need_browser() -> None:
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    try:
        import selenium  # noqa: F401
    except ImportError:
        missing.append("selenium (pip install '.[test]')")
    if missing:
        reason = ("headless Chromium is needed: apt-get install chromium chromium-driver; missing: "
                  + ", ".join(missing))
        if os.environ.get("CI") == "true":
            pytest.fail(reason)
        pytest.skip(reason)


class Server:
    """`python -m tutor serve --port 0 ...` in its own process group, with a home of its own."""

    def __init__(self, home: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.home = home
        environment = {**os.environ, "RNN_TUTOR_HOME": str(home), "PYTHONPATH": str(ROOT),
                       "RNN_TUTOR_TEST_SECRET": "must-not-reach-a-session", **(env or {})}
        self.process = subprocess.Popen([sys.executable, "-m", "tutor", "serve", "--port", "0", *args],
                                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                                        env=environment, start_new_session=True, text=True, cwd=ROOT)
        self.url = self._read_url()

    def _read_url(self) -> str:
        deadline = time.monotonic() + WAIT
        assert self.process.stdout is not None
        while time.monotonic() < deadline:
            ready, _, _ = select.select([self.process.stdout], [], [], 0.5)
            if ready:
                line = self.process.stdout.readline()
                match = re.search(r"(http://\S+/)", line)
                if match:
                    return match.group(1)
            if self.process.poll() is not None:
                break
        self.process.kill()
        _, errors = self.process.communicate(timeout=10)
        raise AssertionError(f"the server did not say its address: {errors}")

    @property
    def port(self) -> int:
        return urlsplit(self.url).port or 80

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


@pytest.fixture(scope="module")
def browser():
    _need_browser()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in ("--headless=new", "--no-sandbox", "--disable-background-networking",
                     "--disable-component-update", "--disable-dev-shm-usage", "--window-size=1280,800"):
        options.add_argument(argument)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    record_websocket(driver)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process = Server(tmp_path_factory.mktemp("serve-home"))
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def class_server(tmp_path_factory):
    process = Server(tmp_path_factory.mktemp("class-home"), "--class")
    try:
        yield process
    finally:
        process.stop()


@pytest.fixture(scope="module")
def artefacts(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("serve-screenshots")
    print(f"\nscreenshots: {folder}")
    return folder


# -- helpers -----------------------------------------------------------------------------------------------
def record_websocket(driver) -> None:
    """Have every page this tab opens from now on record its websocket's bytes (see RECORDER)."""
    driver.execute_cdp_cmd("Page.addScriptToEvaluateOnNewDocument", {"source": RECORDER})


def new_tab(driver) -> str:
    driver.switch_to.new_window("tab")
    record_websocket(driver)
    return driver.current_window_handle


def screen_text(driver) -> str:
    return ANSI.sub("", driver.execute_script("return window.__received || ''"))


def forget_text(driver) -> None:
    driver.execute_script("window.__received = ''")


def wait_for_text(driver, *texts: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        seen = screen_text(driver)
        if all(text in seen for text in texts):
            return
        time.sleep(0.2)
    raise AssertionError(f"{texts} not shown within {timeout:g} s; the page got: {screen_text(driver)[-2000:]!r}")


def wait_for_class(driver, name: str, timeout: float = WAIT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if name in (driver.find_element("tag name", "body").get_attribute("class") or ""):
            return
        time.sleep(0.2)
    raise AssertionError(f"the page's body never got the class {name!r}")


def press(driver, *keys: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    for key in keys:
        ActionChains(driver).send_keys(key).perform()
        time.sleep(0.3)


def chord(driver, modifier: str, key: str) -> None:
    from selenium.webdriver.common.action_chains import ActionChains

    ActionChains(driver).key_down(modifier).send_keys(key).key_up(modifier).perform()


def open_page(driver, url: str) -> None:
    driver.get(url)
    wait_for_class(driver, "-first-byte")
    wait_for_text(driver, "Sequential data")  # the contents: the first screen
    driver.execute_script("document.querySelector('.xterm-helper-textarea').focus()")  # keys go to xterm.js


def requested_urls(driver) -> list[str]:
    """Every request the page made (Chrome's performance log: Network.requestWillBeSent, websockets)."""
    urls = []
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
        elif message["method"] == "Network.webSocketCreated":
            urls.append(message["params"]["url"])
    return urls


def descendants(pid: int) -> list[int]:
    found, queue = [], [pid]
    while queue:
        parent = queue.pop()
        for task in Path(f"/proc/{parent}/task").iterdir():
            children = (task / "children").read_text().split()
            found += map(int, children)
            queue += map(int, children)
    return found


def environment_of(pid: int) -> dict[str, str]:
    raw = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(item.decode().split("=", 1) for item in raw if b"=" in item)


# -- the browser -------------------------------------------------------------------------------------------
def test_a_lesson_and_a_numpy_lab_in_the_browser(browser, server, artefacts):
    from selenium.webdriver.common.keys import Keys

    requested_urls(browser)  # the log so far belongs to earlier pages
    open_page(browser, server.url)
    browser.save_screenshot(str(artefacts / "contents.png"))
    faces = browser.execute_script("return Array.from(document.fonts).map(f => [f.unicodeRange, f.status])")
    assert ["U+2800-28FF", "loaded"] in faces, f"the charts' braille font was not loaded: {faces}"

    tutors = [pid for pid in descendants(server.process.pid)
              if "tutor" in Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")]
    environments = [environment_of(pid) for pid in tutors]
    assert any("TEXTUAL_DRIVER" in env for env in environments), "no tutor process under the web driver"
    for env in environments:
        assert "RNN_TUTOR_TEST_SECRET" not in env, "a session got the server's whole environment"
    session = next(env for env in environments if "TEXTUAL_DRIVER" in env)
    assert session["RNN_TUTOR_TF_THREADS"].isdecimal()

    press(browser, Keys.ENTER)  # lesson 1
    wait_for_text(browser, "When order is information")
    press(browser, "n", "n")  # page 3: the series-parts lab, which runs when shown
    wait_for_text(browser, "A time series and its parts", "Press t to run again")
    forget_text(browser)
    press(browser, "t")  # and again, by hand
    wait_for_text(browser, "Done in", "Press t to run again")
    time.sleep(1.0)  # the chart's last frame
    browser.save_screenshot(str(artefacts / "lab.png"))

    log = Path(session[webpath.SESSION_LOG_ENV])
    assert log.parent.parent.parent == server.home, "the session's log is not in the server's data folder"
    assert log.exists()

    urls = requested_urls(browser)
    assert any(url.startswith(("ws://", "wss://")) for url in urls), urls
    outside = [url for url in urls
               if not url.startswith("data:") and (urlsplit(url).hostname, urlsplit(url).port)
               != ("127.0.0.1", server.port)]
    assert not outside, f"the page asked for something outside the server: {outside}"

    press(browser, "q")
    wait_for_class(browser, "-closed")  # the page says the session ended


class Tunnel:
    """A TCP forwarder on another loopback port, as `ssh -L 9000:localhost:8000` would be."""

    def __init__(self, port: int) -> None:
        import socket
        import threading

        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.target = port
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        import socket
        import threading

        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pipe(source, sink) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for end in (source, sink):
                try:
                    end.close()
                except OSError:
                    pass

    def close(self) -> None:
        self.closed = True
        self.listener.close()


def test_the_page_works_through_a_tunnel_on_another_port(browser, server):
    tunnel = Tunnel(server.port)
    try:
        requested_urls(browser)
        open_page(browser, f"http://localhost:{tunnel.port}/")
        urls = requested_urls(browser)
        assert any(url.startswith(f"ws://localhost:{tunnel.port}/ws?") for url in urls), urls
        assert all(urlsplit(url).port == tunnel.port for url in urls if not url.startswith("data:")), urls
        press(browser, "q")
        wait_for_class(browser, "-closed")
    finally:
        tunnel.close()


def test_the_exercise_editor_in_the_browser(browser, server, artefacts):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, server.url + "?fontsize=16")
    press(browser, *[Keys.DOWN] * 6, Keys.ENTER)  # lesson 7
    wait_for_text(browser, "From scratch")
    for page in range(2, 12):  # on to the first exercise
        press(browser, "n")
        wait_for_text(browser, f"page {page}/")
        time.sleep(0.5)
        if "Your file:" in screen_text(browser):
            break
    wait_for_text(browser, "e opens it in the tutor's editor")
    press(browser, "e")
    wait_for_text(browser, "ctrl+s saves and checks")
    forget_text(browser)
    chord(browser, Keys.CONTROL, "s")
    wait_for_text(browser, "Saved at")
    wait_for_text(browser, "✗")  # the stub, checked: it fails
    browser.save_screenshot(str(artefacts / "editor.png"))
    press(browser, Keys.ESCAPE)


def test_two_sessions_of_a_class_keep_their_own_progress(browser, class_server, artefacts):
    from selenium.webdriver.common.keys import Keys

    open_page(browser, class_server.url)
    first = browser.current_url
    assert re.search(r"/learner/[A-Za-z0-9_-]{22}$", first), first
    press(browser, Keys.ENTER)  # learner one opens lesson 1
    wait_for_text(browser, "When order is information")
    first_tab = browser.current_window_handle

    second_tab = new_tab(browser)
    open_page(browser, class_server.url)  # a second visitor, while the first session goes on
    second = browser.current_url
    assert second != first
    press(browser, Keys.DOWN, Keys.ENTER)  # learner two opens lesson 2
    wait_for_text(browser, "The vanilla RNN")
    browser.save_screenshot(str(artefacts / "class-second-visitor.png"))

    browser.switch_to.window(first_tab)
    forget_text(browser)
    press(browser, "n")  # the first session still answers
    wait_for_text(browser, "page 2/")

    def lessons_seen(url: str) -> set[str]:
        progress = class_server.home / "learners" / url.rsplit("/", 1)[1] / "progress.json"
        deadline = time.monotonic() + 10
        while not progress.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        return set(json.loads(progress.read_text())["lessons"])

    try:
        assert lessons_seen(first) == {"sequential-data"}
        assert lessons_seen(second) == {"vanilla-rnn"}
    finally:
        browser.switch_to.window(second_tab)
        browser.close()
        browser.switch_to.window(first_tab)


# -- the server, without a browser ---------------------------------------------------------------------------
def test_the_default_bind_is_loopback_only(server):
    listening = []
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            local, state = line.split()[1], line.split()[3]
            address, port = local.split(":")
            if state == "0A" and int(port, 16) == server.port:  # 0A: LISTEN
                listening.append(address)
    # 127.0.0.1 in /proc's byte order; for IPv6, ::1
    assert listening and all(a in ("0100007F", "00000000000000000000000001000000") for a in listening), listening


def test_a_host_beyond_loopback_needs_the_explicit_flag(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tutor", "serve", "--host", "0.0.0.0", "--port", "0"],
                            capture_output=True, text=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "RNN_TUTOR_HOME": str(tmp_path)})
    assert result.returncode == 2
    assert "no login" in result.stderr and "--allow-remote" in result.stderr


def test_past_max_sessions_a_visitor_is_told_the_server_is_full(browser, tmp_path):
    limited = Server(tmp_path, "--max-sessions", "1", "--idle-timeout", "0.1")  # 6 s without input ends it
    try:
        open_page(browser, limited.url)
        with pytest.raises(urllib.error.HTTPError) as full:
            urllib.request.urlopen(limited.url, timeout=10)
        assert full.value.code == 503
        assert "The tutor is full" in full.value.read().decode()
        wait_for_class(browser, "-closed", timeout=WAIT)  # idle: the session ends and the page says so
        with urllib.request.urlopen(limited.url, timeout=10) as page:  # and its place is free again
            assert page.status == 200
    finally:
        limited.stop()


def test_session_environment_is_an_allow_list():
    base = {"PATH": "/usr/bin", "HOME": "/home/x", "LC_ALL": "C.UTF-8", "TEXTUAL_DRIVER": "web",
            "COLUMNS": "80", "AWS_SECRET_ACCESS_KEY": "k", "SSH_AUTH_SOCK": "/tmp/agent", "EDITOR": "vi"}
    env = serve.session_environment(base, {"RNN_TUTOR_HOME": "/data/learners/abc"})
    assert env == {"PATH": "/usr/bin", "HOME": "/home/x", "LC_ALL": "C.UTF-8", "TEXTUAL_DRIVER": "web",
                   "COLUMNS": "80", "RNN_TUTOR_HOME": "/data/learners/abc"}


def test_loopback_names():
    assert serve.is_loopback("127.0.0.1") and serve.is_loopback("::1") and serve.is_loopback("localhost")
    assert not serve.is_loopback("0.0.0.0") and not serve.is_loopback("::")


def test_under_the_web_driver_only_the_driver_writes_on_stdout(tmp_path):
    """Python's prints, native writes on descriptors 1 and 2, and child processes land in the session's log;
    the protocol's pipe gets only what is written through sys.__stdout__ (the web driver's handle)."""
    log = tmp_path / "session.log"
    script = (
        "import os, subprocess, sys\n"
        "from pathlib import Path\n"
        "from tutor.webpath import ProtocolStreams\n"
        f"with ProtocolStreams(Path({str(log)!r})):\n"
        "    print('a stray print')\n"
        "    os.write(1, b'native stdout\\n'); os.write(2, b'native stderr\\n')\n"
        "    subprocess.run([sys.executable, '-c', 'print(\"a child\")'])\n"
        "    sys.__stdout__.write(b'PROTOCOL')\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "TEXTUAL_DRIVER": "web"})
    assert result.returncode == 0, result.stderr
    assert result.stdout == b"PROTOCOL"
    assert log.read_text().splitlines() == ["a stray print", "native stdout", "native stderr", "a child"]


@pytest.mark.slow
def test_tensorflow_threads_are_capped_by_the_runtime_setting():
    script = ("from tutor.engine import runtime\n"
              "threading = runtime.tensorflow().config.threading\n"
              "print(threading.get_intra_op_parallelism_threads(), threading.get_inter_op_parallelism_threads())\n")
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT), "RNN_TUTOR_TF_THREADS": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["1", "1"]


async def test_a_public_url_roots_the_pages_addresses_and_static_folders_are_not_listed():
    from aiohttp.test_utils import TestClient, TestServer

    one_learner = serve.TutorServer(public_url="https://example.org/tutor/")
    async with TestClient(TestServer(one_learner.make_app())) as client:
        page = await (await client.get("/")).text()
        assert 'data-session-websocket-url="wss://example.org/tutor/ws"' in page
        assert 'href="https://example.org/tutor/static/css/xterm.css"' in page
        for folder in ("/static/", "/static/fonts/", "/assets/"):
            assert (await client.get(folder)).status in (403, 404), folder
    a_class = serve.TutorServer(public_url="https://example.org/tutor", class_mode=True)
    async with TestClient(TestServer(a_class.make_app())) as client:
        sent_on = await client.get("/", allow_redirects=False)
        assert sent_on.status == 302
        assert re.fullmatch(r"https://example\.org/tutor/learner/[A-Za-z0-9_-]{22}", sent_on.headers["Location"])
        learner = sent_on.headers["Location"].rsplit("/", 1)[1]
        page = await (await client.get(f"/learner/{learner}")).text()
        assert f'data-session-websocket-url="wss://example.org/tutor/ws/{learner}"' in page
        assert (await client.get("/learner/..%2f..%2fetc")).status == 404


async def test_the_editor_saves_on_ctrl_s_shows_the_check_and_asks_before_dropping_changes(make_app):
    """The editor without a browser (Pilot): the exercise page checks the saved file, the editor shows how."""
    from tests.conftest import open_page as open_lesson_page, wait_until
    from tutor.widgets.editor import ExerciseEditor
    from tutor.widgets.exercise import ExerciseView

    app = make_app(start_lesson="from-scratch")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = await open_lesson_page(pilot, "Exercise 1")
        await pilot.pause()
        view = screen.current.query_one(ExerciseView)
        original = view.path.read_text(encoding="utf-8")
        app.push_screen(ExerciseEditor(view.path, "Exercise 1", view))
        await pilot.pause()
        editor = app.screen
        await pilot.press("x")
        await pilot.press("escape")  # unsaved: asks first
        assert app.screen is editor and "escape again" in str(editor.query_one("#editor-status").content)
        await pilot.press("escape")  # and closes, the file as it was
        assert app.screen is screen and view.path.read_text(encoding="utf-8") == original

        app.push_screen(ExerciseEditor(view.path, "Exercise 1", view))
        await pilot.pause()
        editor = app.screen
        await pilot.press("ctrl+s")
        # "Saved at …; checking…", or already the page's own "Checking…": either way the check has started.
        assert "checking" in str(editor.query_one("#editor-status").content).lower()
        await wait_until(pilot, lambda: "✗" in str(editor.query_one("#editor-status").content), timeout=60)
        assert view.result is not None and not view.result.passed  # the stub, as saved, fails its check


def test_a_quiet_session_leaves_no_empty_log(tmp_path):
    log = tmp_path / "session.log"
    with webpath.ProtocolStreams(log):
        assert log.exists()
    assert not log.exists()
