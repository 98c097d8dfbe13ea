"""Packages from the npm registry that some tests run with Node.js, installed once each into
the cache (with --ignore-scripts: no install script runs) and shared between runs."""

import fcntl
import subprocess
from pathlib import Path

from .programs import require_program
from .venv import CACHE


def installed(package: str, marker: str) -> Path:
    """The node_modules folder that holds package (name@version), installed unless marker, a
    file inside node_modules, shows it is there already."""
    npm = require_program("npm", "npm")
    prefix = CACHE / "node" / package.replace("/", "+").replace("@", "-")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one installer at a time; the others wait, then reuse
        if not (prefix / "node_modules" / marker).exists():
            options = ["--no-save", "--ignore-scripts", "--no-audit", "--no-fund"]
            subprocess.run(
                [npm, "install", "--prefix", str(prefix), *options, package],
                check=True,
                capture_output=True,
            )
    return prefix / "node_modules"
