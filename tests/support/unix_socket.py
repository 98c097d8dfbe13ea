"""A server command that listens on a Unix socket (gunicorn behind nginx): start it, wait
until it answers /health on that socket, stop it by its process group at the end."""

import http.client
import socket
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from .processes import Response, stop


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float = 10):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.path))


def fetch_over_socket(path: Path, url: str) -> Response:
    connection = UnixHTTPConnection(path)
    try:
        connection.request("GET", url)
        response = connection.getresponse()
        return Response(response.status, response.headers, response.read())
    finally:
        connection.close()


class SocketServer:
    def __init__(self, process: subprocess.Popen, log: Path, socket_path: Path):
        self.process, self.log, self.socket_path = process, log, socket_path

    def output(self) -> str:
        return self.log.read_text(errors="replace")


@contextmanager
def serving_on_socket(
    command: str, cwd: Path, env: dict[str, str], socket_path: Path, timeout: float = 30
):
    """Start command (which must listen on socket_path), wait until /health answers 200
    there, yield a SocketServer, and stop the process group at the end."""
    with tempfile.NamedTemporaryFile("w+b", suffix=".log", delete=False) as log:
        process = subprocess.Popen(
            ["bash", "-c", f"exec {command}"],
            cwd=cwd,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = SocketServer(process, Path(log.name), socket_path)
    try:
        wait_until_answering(server, timeout)
        yield server
    finally:
        stop(process)
        Path(log.name).unlink(missing_ok=True)


def wait_until_answering(server: SocketServer, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            code = server.process.returncode
            raise RuntimeError(f"the server exited ({code}):\n{server.output()}")
        try:
            if fetch_over_socket(server.socket_path, "/health").status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the server did not answer within {timeout} s:\n{server.output()}")
