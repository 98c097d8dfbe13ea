"""Resident memory of a gunicorn server's workers, read from /proc (Linux)."""

from contextlib import suppress
from pathlib import Path


def _rss_kib(pid: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    return 0  # a process that is exiting has no memory left


def workers(master_pid: int) -> list[str]:
    """The pids of a gunicorn master's workers: its children."""
    return Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()


def worker_rss_mib(master_pid: int) -> float:
    """The VmRSS of the largest worker of the gunicorn master master_pid, in MiB: a worker
    that was just recycled may still be importing the app."""
    sizes = []
    for pid in workers(master_pid):
        with suppress(FileNotFoundError):  # recycled meanwhile
            sizes.append(_rss_kib(pid))
    return max(sizes) / 1024
