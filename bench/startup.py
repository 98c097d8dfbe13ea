"""Start-up: create_app() in a fresh process, the rendered app against the bare one and the
usual stack."""

import subprocess

from .app import Subjects
from .measure import Row, Target, interleaved


def create_app_in_a_new_process(subjects: Subjects, module: str, env: dict[str, str]) -> None:
    code = f"from {module} import create_app; create_app()"
    subprocess.run([subjects.python(), "-c", code], env=env, cwd=subjects.project, check=True)


def startup_rows(subjects: Subjects, runs: int) -> list[Row]:
    env = subjects.environment()
    timings = interleaved(
        runs,
        ours=lambda: create_app_in_a_new_process(subjects, subjects.package, env),
        bare=lambda: create_app_in_a_new_process(subjects, "bare_app", env),
        usual=lambda: create_app_in_a_new_process(subjects, "usual_app", env),
    )
    return [
        Row(
            "start-up: create_app() in a new process",
            timings["ours"],
            timings["bare"],
            "s",
            Target(3),
            timings["usual"],
        )
    ]
