"""python -m bench.costs [PATH ...]: where the rendered app's time goes on each path, by
package, beside the bare app's (see request_costs.py). Default paths: /health and /."""

import subprocess
import sys
import tempfile
from pathlib import Path

from tests.support.services import postgres_database

from .app import BENCH, prepare
from .template_ops import copy_in_process, template_snapshot


def main(paths: list[str]) -> int:
    with tempfile.TemporaryDirectory(prefix="bench-") as folder, postgres_database() as database:
        work = Path(folder)
        subjects = prepare(copy_in_process(template_snapshot(work), work), database.url)
        command = [subjects.python(), str(BENCH / "request_costs.py"), subjects.package]
        env = subjects.environment()
        return subprocess.run([*command, *paths], env=env, cwd=subjects.project).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:] or ["/health", "/"]))
