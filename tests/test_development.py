"""The first thing a user does: start the freshly rendered app locally with `flask run`."""

import subprocess

from .support.processes import clean_env, serving
from .support.services import free_port


def test_the_rendered_app_runs_locally_with_no_services(tmp_path, venv):
    from .support.rendering import render

    project = render(tmp_path / "app")
    env = clean_env(venv)  # FLASK_CONFIG, FLASK_DEBUG and SECRET_KEY come from .env
    upgrade = subprocess.run(
        ["flask", "db", "upgrade"], cwd=project, env=env, capture_output=True, text=True
    )
    assert upgrade.returncode == 0, upgrade.stderr
    assert (project / "instance" / "development.sqlite3").exists()

    port = free_port()
    with serving(f"flask run --port {port}", project, env, port) as server:
        home = server.get("/")
        assert home.status == 200  # plain HTTP on a laptop: no redirect
        assert b"My Flask App" in home.body
        assert server.get("/auth/register").status == 200
