"""`rnn-tutor serve`: the tutor in a browser, one tutor process per browser session.

textual-serve's page (xterm.js) talks over a websocket to this server, which starts ``python -m tutor`` under
Textual's web driver for each session and relays the bytes. Around that, this module keeps the server safe and
usable on a shared, offline machine:

- It binds to the loopback address unless told otherwise with an explicit flag (there is no login), and prints
  the ``ssh -L`` line that reaches it from a laptop.
- The page's own addresses are relative to where the browser found it, so a tunnel on another port works;
  ``--public-url`` gives the address an authenticating proxy serves it under.
- A session's process gets an allow-list of the server's environment, not all of it, plus its own log file
  (``tutor/webpath.py``: nothing but the web driver writes on the protocol's stdout) and a cap on TensorFlow's
  threads (``RNN_TUTOR_TF_THREADS``, read in ``tutor/engine/runtime.py``).
- Static files are served without directory listings, and the page loads nothing from elsewhere: textual-serve's
  script and Roboto Mono, and a braille font for the charts (``tutor/web/``; licences in its LICENSES.md).
- One learner by default (every tab shares this account's progress); ``--class`` gives each visitor a learner
  of their own, named by a random token in the link they are sent to.
- ``--max-sessions`` turns further visitors away with a page that says so; ``--idle-timeout`` ends a session
  that has had no input for that long (each holds a Python process, and TensorFlow once a Keras lab runs).
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import logging
import os
import secrets
import shlex
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

WEB_DIR = Path(__file__).with_name("web")
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
DEFAULT_MAX_SESSIONS = 8
DEFAULT_IDLE_MINUTES = 60.0
TOKEN_PATTERN = "[A-Za-z0-9_-]{22,64}"  # secrets.token_urlsafe(16) makes 22 characters
STOP_SECONDS = 5.0  # a session's process gets this long to quit before it is killed

# What a session's process may inherit from the server's environment: what Python, the tutor, TensorFlow and
# CUDA read. Anything else (credentials, agent sockets, the server's own settings) stays with the server.
INHERITED = frozenset({
    "PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR",
    "PYTHONPATH", "PYTHONHOME", "VIRTUAL_ENV",
    "XDG_DATA_HOME", "XDG_STATE_HOME", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
    "RNN_TUTOR_HOME", "RNN_TUTOR_TF_THREADS",
    "KERAS_BACKEND", "KERAS_HOME", "TF_CPP_MIN_LOG_LEVEL", "TF_ENABLE_ONEDNN_OPTS", "TF_FORCE_GPU_ALLOW_GROWTH",
    "XLA_FLAGS", "CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH", "NVIDIA_VISIBLE_DEVICES",
})
INHERITED_PREFIXES = ("LC_",)
# What textual-serve itself sets for the web driver (textual_serve/app_service.py, _build_environment).
WEB_DRIVER_ENV = frozenset({"TEXTUAL_DRIVER", "TEXTUAL_FPS", "TEXTUAL_COLOR_SYSTEM", "TERM_PROGRAM",
                            "TERM_PROGRAM_VERSION", "COLUMNS", "ROWS"})

log = logging.getLogger("rnn-tutor.serve")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options of `rnn-tutor serve`."""
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}, this machine only; reach it through "
                             "an SSH tunnel)")
    parser.add_argument("--port", type=int, default=DEFAULT_PORT,
                        help=f"port to listen on (default {DEFAULT_PORT}; 0 picks a free one)")
    parser.add_argument("--allow-remote", action="store_true",
                        help="allow a --host beyond this machine. There is no login: anyone who reaches the "
                             "port gets a tutor process")
    parser.add_argument("--public-url", metavar="URL",
                        help="the address visitors use, when a proxy serves the tutor under another address "
                             "or path (e.g. https://example.org/tutor)")
    parser.add_argument("--max-sessions", type=_positive_int, default=DEFAULT_MAX_SESSIONS, metavar="N",
                        help=f"browser sessions at once (default {DEFAULT_MAX_SESSIONS}); a visitor past them "
                             "is told that the server is full")
    parser.add_argument("--idle-timeout", type=_minutes, default=DEFAULT_IDLE_MINUTES, metavar="MINUTES",
                        help=f"end a session with no input for this long (default {DEFAULT_IDLE_MINUTES:g}; "
                             "0: never)")
    parser.add_argument("--class", dest="class_mode", action="store_true",
                        help="a class: each visitor gets a learner of their own (progress, exercises), named "
                             "by a private link to bookmark. Default: one learner, whose progress every tab "
                             "shares")


def main(args: argparse.Namespace) -> int:
    """Run the server until Ctrl+C or SIGTERM. Returns the exit status (2: refused to bind)."""
    if not (args.allow_remote or is_loopback(args.host)):
        print(f"rnn-tutor serve: refusing to listen on {args.host}: there is no login, so anyone who reaches it "
              "gets a tutor process on this machine.\nBind to 127.0.0.1 (the default) and use an SSH tunnel, or "
              "put an authenticating proxy in front (--public-url), or add --allow-remote if you mean it.",
              file=sys.stderr)
        return 2
    if args.public_url and not args.public_url.startswith(("http://", "https://")):
        print(f"rnn-tutor serve: --public-url must start with http:// or https://, not {args.public_url!r}",
              file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s", datefmt="%H:%M:%S",
                        stream=sys.stderr)
    server = TutorServer(host=args.host, port=args.port, public_url=args.public_url,
                         max_sessions=args.max_sessions, idle_seconds=args.idle_timeout * 60,
                         class_mode=args.class_mode, allow_remote=args.allow_remote)
    try:
        asyncio.run(server.run())
    except OSError as err:  # the port is taken, or the address is not this machine's
        print(f"rnn-tutor serve: cannot listen on {args.host}:{args.port}: {err.strerror or err}", file=sys.stderr)
        return 1
    return 0


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _minutes(text: str) -> float:
    value = float(text)
    if not value >= 0 or value == float("inf"):
        raise argparse.ArgumentTypeError("must be a number of minutes, 0 or more")
    return value


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is this machine's loopback."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(ipaddress.ip_address(info[4][0]).is_loopback for info in infos)


def tf_threads(max_sessions: int) -> int:
    """Each session's TensorFlow thread cap: the cores this process may use, shared by the most sessions."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        cores = os.cpu_count() or 1
    return max(1, cores // max_sessions)


def session_environment(base: dict[str, str], extra: dict[str, str]) -> dict[str, str]:
    """What a session's process gets: the allow-listed part of ``base`` (textual-serve's environment: the
    server's plus the web driver's settings), then ``extra``."""
    kept = {name: value for name, value in base.items()
            if name in INHERITED or name in WEB_DRIVER_ENV or name.startswith(INHERITED_PREFIXES)}
    return {**kept, **extra}


def _session_class() -> type:
    """textual-serve's AppService with the environment and the stop this server needs (imported late:
    `rnn-tutor serve --help` does not load aiohttp)."""
    from textual_serve.app_service import AppService

    class Session(AppService):
        def __init__(self, command: str, *, extra_env: dict[str, str], **kwargs: Any) -> None:
            super().__init__(command, **kwargs)
            self.extra_env = extra_env
            self.last_input = time.monotonic()

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            return session_environment(super()._build_environment(width, height), self.extra_env)

        async def stop(self) -> None:
            """Ask the app to quit; kill its process if it has not left after STOP_SECONDS."""
            task, self._task = self._task, None
            if task is None:
                return
            await self.send_meta({"type": "quit"})
            try:
                await asyncio.wait_for(asyncio.shield(task), STOP_SECONDS)
            except asyncio.TimeoutError:
                log.warning("session %s did not quit in %g s: killed", self.app_service_id[:6], STOP_SECONDS)
                if self._process is not None and self._process.returncode is None:
                    self._process.kill()
                await task
            if self._process is not None:
                await self._process.wait()

    return Session


class TutorServer:
    """The aiohttp application: the page, its static files, and a websocket per session."""

    def __init__(self, *, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, public_url: str | None = None,
                 max_sessions: int = DEFAULT_MAX_SESSIONS, idle_seconds: float = DEFAULT_IDLE_MINUTES * 60,
                 class_mode: bool = False, allow_remote: bool = False) -> None:
        from tutor.paths import data_dir

        self.host = host
        self.port = port
        self.public_url = public_url.rstrip("/") if public_url else None
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self.class_mode = class_mode
        self.allow_remote = allow_remote
        self.learners_dir = data_dir() / "learners"
        self.threads = os.environ.get("RNN_TUTOR_TF_THREADS") or str(tf_threads(max_sessions))
        self.command = shlex.join([sys.executable, "-P", "-m", "tutor"])  # textual-serve runs it in a shell
        self.sessions: set[Any] = set()
        self._stop = asyncio.Event()

    # -- addresses ---------------------------------------------------------------------------------------
    def _base(self) -> str:
        """What the page's own addresses start with: the public URL, or nothing (the browser's address)."""
        return self.public_url or ""

    def _websocket_url(self, path: str) -> str:
        """The websocket's address: absolute under a public URL; else a path the page completes with its own
        scheme and host (so an SSH tunnel on any port reaches it)."""
        if self.public_url is None:
            return path
        scheme, rest = self.public_url.split("://", 1)
        return f"{'wss' if scheme == 'https' else 'ws'}://{rest}{path}"

    # -- the application ---------------------------------------------------------------------------------
    def make_app(self) -> Any:
        import jinja2
        import textual_serve
        from aiohttp import web

        self._templates = jinja2.Environment(loader=jinja2.FileSystemLoader(WEB_DIR), autoescape=True)
        app = web.Application(middlewares=[web.middleware(_headers)])
        routes: list[web.AbstractRouteDef] = [
            # No directory listings: textual-serve's script, stylesheet and fonts, and the tutor's own fonts.
            web.static("/static", Path(textual_serve.__file__).parent / "static", show_index=False),
            web.static("/assets", WEB_DIR / "static", show_index=False),
        ]
        if self.class_mode:
            routes += [web.get("/", self.new_learner),
                       web.get("/learner/{token:%s}" % TOKEN_PATTERN, self.learner_page),
                       web.get("/ws/{token:%s}" % TOKEN_PATTERN, self.websocket)]
        else:
            routes += [web.get("/", self.page), web.get("/ws", self.websocket)]
        app.add_routes(routes)
        app.on_shutdown.append(self._stop_sessions)
        return app

    async def new_learner(self, request: Any) -> Any:
        """A new visitor of a class: sent on to a link of their own (the one to bookmark)."""
        from aiohttp import web

        raise web.HTTPFound(f"{self._base()}/learner/{secrets.token_urlsafe(16)}")

    async def learner_page(self, request: Any) -> Any:
        return self._page(request, f"/ws/{request.match_info['token']}")

    async def page(self, request: Any) -> Any:
        return self._page(request, "/ws")

    def _page(self, request: Any, ws_path: str) -> Any:
        from aiohttp import web

        if len(self.sessions) >= self.max_sessions:
            return web.Response(status=503, content_type="text/html",
                                text=self._templates.get_template("full.html").render(limit=self.max_sessions))
        try:
            font_size = max(6, min(48, int(request.query.get("fontsize", "16"))))
        except ValueError:
            font_size = 16
        html = self._templates.get_template("index.html").render(
            base=self._base(), websocket_url=self._websocket_url(ws_path), font_size=font_size,
            idle_minutes=f"{self.idle_seconds / 60:g}" if self.idle_seconds else None)
        return web.Response(text=html, content_type="text/html")

    async def websocket(self, request: Any) -> Any:
        """One browser session: a tutor process, relayed until either side closes or the session idles out."""
        from aiohttp import web
        from textual_serve.download_manager import DownloadManager

        socket_ = web.WebSocketResponse(heartbeat=15)
        await socket_.prepare(request)
        if len(self.sessions) >= self.max_sessions:
            await socket_.send_bytes(FULL_TEXT.format(limit=self.max_sessions).encode())
            await socket_.close()
            return socket_
        token = request.match_info.get("token")
        session = _session_class()(self.command, extra_env=self._session_env(token), write_bytes=socket_.send_bytes,
                                   write_str=socket_.send_str, close=socket_.close,
                                   download_manager=DownloadManager())
        self.sessions.add(session)
        name = session.app_service_id[:6]
        log.info("session %s started%s; %d open; log %s", name, f" for learner {token[:6]}…" if token else "",
                 len(self.sessions), session.extra_env["RNN_TUTOR_SESSION_LOG"])
        idle = asyncio.create_task(self._end_when_idle(session, socket_)) if self.idle_seconds else None
        try:
            await session.start(_int(request.query.get("width"), 80), _int(request.query.get("height"), 24))
            await self._relay(socket_, session)
        except asyncio.CancelledError:
            pass
        except Exception:  # noqa: BLE001 - one session's failure is logged; the server goes on
            log.exception("session %s failed", name)
        finally:
            if idle is not None:
                idle.cancel()
            await session.stop()
            self.sessions.discard(session)
            await socket_.close()
            log.info("session %s ended; %d open", name, len(self.sessions))
        return socket_

    def _session_env(self, token: str | None) -> dict[str, str]:
        from tutor import webpath
        from tutor.engine.runtime import THREADS_ENV
        from tutor.paths import state_dir

        extra = {THREADS_ENV: self.threads}
        if token is not None:
            home = self.learners_dir / token
            extra["RNN_TUTOR_HOME"] = str(home)
            logs = home / "state" / "sessions"
        else:
            logs = state_dir() / "sessions"
        extra[webpath.SESSION_LOG_ENV] = str(logs / f"{time.strftime('%Y%m%d-%H%M%S')}-{secrets.token_hex(3)}.log")
        return extra

    async def _relay(self, socket_: Any, session: Any) -> None:
        """The browser's messages to the session (textual-serve's protocol); input marks the session in use."""
        from aiohttp import WSMsgType

        async for message in socket_:
            if message.type != WSMsgType.TEXT:
                continue
            envelope = message.json()
            kind = envelope[0] if isinstance(envelope, list) and envelope else None
            if kind == "stdin":
                session.last_input = time.monotonic()
                await session.send_bytes(str(envelope[1]).encode("utf-8"))
            elif kind == "resize":
                session.last_input = time.monotonic()
                await session.set_terminal_size(_int(envelope[1].get("width"), 80),
                                                _int(envelope[1].get("height"), 24))
            elif kind == "ping":
                await socket_.send_json(["pong", envelope[1]])
            elif kind == "blur":
                await session.blur()
            elif kind == "focus":
                await session.focus()

    async def _end_when_idle(self, session: Any, socket_: Any) -> None:
        while True:
            idle_for = time.monotonic() - session.last_input
            if idle_for >= self.idle_seconds:
                log.info("session %s: no input for %g minutes: ending it", session.app_service_id[:6],
                         self.idle_seconds / 60)
                await session.stop()
                await socket_.close()  # the page says that the session ended
                return
            await asyncio.sleep(self.idle_seconds - idle_for + 0.1)

    async def _stop_sessions(self, app: Any) -> None:
        await asyncio.gather(*(session.stop() for session in list(self.sessions)), return_exceptions=True)

    # -- running -----------------------------------------------------------------------------------------
    async def run(self) -> None:
        from aiohttp import web

        runner = web.AppRunner(self.make_app(), access_log=None, handle_signals=False)
        await runner.setup()
        try:
            site = web.TCPSite(runner, self.host, self.port)
            await site.start()
            loop = asyncio.get_running_loop()
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, self._stop.set)
            self._announce(runner.addresses)
            await self._stop.wait()
        finally:
            await runner.cleanup()  # closes the websockets and stops every session (on_shutdown)

    def stop(self) -> None:
        self._stop.set()

    def _announce(self, addresses: list[Any]) -> None:
        port = next((address[1] for address in addresses if isinstance(address, tuple)), self.port)
        host = f"[{self.host}]" if ":" in self.host else self.host
        local = f"http://{host}:{port}/"
        who = ("a class: each visitor is sent to a link of their own (their learner: bookmark it); homes in "
               f"{self.learners_dir}" if self.class_mode else
               "one learner: every tab shares this account's progress (--class gives each visitor their own)")
        print(f"rnn-tutor serve: {local}  ({who})", flush=True)
        if self.public_url:
            print(f"Visitors use {self.public_url}/ (the proxy in front must authenticate them: there is no login).")
        elif is_loopback(self.host):
            print(f"From your laptop: ssh -L {port}:localhost:{port} <this server>, then open "
                  f"http://localhost:{port}/")
        else:
            print(f"Warning: listening on {self.host} with no login: anyone who reaches port {port} gets a tutor "
                  "process on this machine.")
        idle = f"{self.idle_seconds / 60:g} minutes" if self.idle_seconds else "never"
        print(f"At most {self.max_sessions} sessions at once, {self.threads} TensorFlow thread(s) each; a session "
              f"with no input ends after {idle}. Ctrl+C stops the server.", flush=True)


FULL_TEXT = ("\r\n  The tutor is full: {limit} sessions are open, the most this server runs at once.\r\n"
             "  Try again when someone has left (reload this page), or ask whoever runs it to raise "
             "--max-sessions.\r\n")


async def _headers(request: Any, handler: Any) -> Any:
    """Every answer: pages not cached (a class link is a learner's key), no referrer sent on, no sniffing."""
    response = await handler(request)
    if not request.path.startswith(("/static/", "/assets/")):
        response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _int(value: Any, default: int) -> int:
    try:
        return max(1, min(1000, int(value)))
    except (TypeError, ValueError):
        return default
