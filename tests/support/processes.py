"""Starting a rendered app's server command for real, and talking HTTP to it."""

import http.client
import os
import signal
import subprocess
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode


@dataclass
class Response:
    status: int
    headers: http.client.HTTPMessage
    body: bytes


def fetch(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: str | None = None,
) -> Response:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    return exchange(connection, method, path, headers, body)


def exchange(connection, method="GET", path="/", headers=None, body=None) -> Response:
    """Send one request on connection, read the whole response, close the connection."""
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


def clean_env(venv: Path, **variables: str) -> dict[str, str]:
    """The environment a platform gives the app: PATH with the venv first, nothing from
    this shell that the app reads, plus variables."""
    env = {
        "PATH": f"{venv / 'bin'}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "HOME": os.environ.get("HOME", "/tmp"),
        "LANG": "C.UTF-8",
        "VIRTUAL_ENV": str(venv),
    }
    env.update(variables)
    return env


def procfile(project: Path) -> dict[str, str]:
    """The process types of a Procfile: {"web": command, "release": command}."""
    lines = (project / "Procfile").read_text().splitlines()
    return dict(line.split(": ", 1) for line in lines if line.strip())


def run(command: str, cwd: Path, env: dict[str, str], timeout: int = 120):
    """Run a platform's command line (a Procfile entry) the way the platform does: with a shell."""
    return subprocess.run(
        ["bash", "-c", command], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


class RunningProcess:
    """A server process started by `started`, with the output it has written so far."""

    def __init__(self, process: subprocess.Popen, log: Path):
        self.process, self.log = process, log

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def get(self, path: str, **headers: str) -> Response:
        raise NotImplementedError


class Server(RunningProcess):
    """A server listening on a TCP port of 127.0.0.1."""

    def __init__(self, process: subprocess.Popen, log: Path, port: int):
        super().__init__(process, log)
        self.port = port

    def get(self, path: str, **headers: str) -> Response:
        return fetch(self.port, path, {k.replace("_", "-"): v for k, v in headers.items()})

    def post_form(self, path: str, form: dict[str, str], headers: dict[str, str]) -> Response:
        headers = {**headers, "Content-Type": "application/x-www-form-urlencoded"}
        return fetch(self.port, path, headers, method="POST", body=urlencode(form))


def launched(command: str, cwd: Path, env: dict[str, str]) -> tuple[subprocess.Popen, Path]:
    """command, started in a session of its own (so that its children stop with it), with its
    output in a log file."""
    with tempfile.NamedTemporaryFile("w+b", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    return process, Path(log.name)


@contextmanager
def started(command: str, cwd: Path, env: dict[str, str], make_server, timeout: float = 30):
    """Start command, wrap it as make_server(process, log), wait until it answers /health,
    yield it, and stop it and its children by process group at the end."""
    process, log = launched(command, cwd, env)
    server = make_server(process, log)
    try:
        wait_until_answering(server, timeout)
        yield server
    finally:
        stop(process)
        Path(log.name).unlink(missing_ok=True)


def serving(command: str, cwd: Path, env: dict[str, str], port: int, timeout: float = 30):
    """Start command, which must listen on port of 127.0.0.1; see `started`."""
    return started(command, cwd, env, lambda process, log: Server(process, log, port), timeout)


def wait_until_answering(server: RunningProcess, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"the server exited ({code}):\n{server.output()}")
        try:
            if server.get("/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the server did not answer within {timeout} s:\n{server.output()}")


def exits_without_serving(command: str, cwd: Path, env: dict[str, str], timeout: float = 30):
    """Run a server command that is expected to refuse to start: (exit code, output)."""
    process = subprocess.run(
        ["bash", "-c", f"exec {command}"],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        start_new_session=True,
    )
    return process.returncode, process.stdout + process.stderr


def stop(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


@contextmanager
def running(command: str, cwd: Path, env: dict[str, str]):
    """Start command (a process that serves nothing, such as a job worker) in a session of
    its own; at the end, stop it as a platform does (see `stop`) and keep its exit code."""
    process, log = launched(command, cwd, env)
    try:
        yield RunningProcess(process, log)
    finally:
        stop(process)
        Path(log.name).unlink(missing_ok=True)
