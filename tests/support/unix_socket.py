"""A server command that listens on a Unix socket (gunicorn behind nginx): start it, wait
until it answers /health on that socket, stop it by its process group at the end."""

import http.client
import socket
import subprocess
from pathlib import Path

from .processes import Response, RunningProcess, exchange, started


class UnixHTTPConnection(http.client.HTTPConnection):
    def __init__(self, path: Path, timeout: float = 10):
        super().__init__("localhost", timeout=timeout)
        self.path = path

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(self.timeout)
        self.sock.connect(str(self.path))


def fetch_over_socket(path: Path, url: str) -> Response:
    return exchange(UnixHTTPConnection(path), "GET", url)


class SocketServer(RunningProcess):
    """A server listening on a Unix socket."""

    def __init__(self, process: subprocess.Popen, log: Path, socket_path: Path):
        super().__init__(process, log)
        self.socket_path = socket_path

    def get(self, path: str, **headers: str) -> Response:
        return fetch_over_socket(self.socket_path, path)


def serving_on_socket(
    command: str, cwd: Path, env: dict[str, str], socket_path: Path, timeout: float = 30
):
    """Start command, which must listen on socket_path; see processes.started."""
    return started(
        command, cwd, env, lambda process, log: SocketServer(process, log, socket_path), timeout
    )
