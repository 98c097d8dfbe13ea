"""How each platform builds, releases and starts a rendered app, read from the platform's own
files: the static files' build command, the release command, the start command, the job
worker's command (with jobs), the settings those files give the app, and (for images) the
HEALTHCHECK command. Secrets and addresses are left to the caller, as the platform leaves them
to its owner."""

import shlex
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from . import platforms
from .processes import procfile
from .rendering import answers_of

# Set by the caller: what the platform generates or attaches, and where the server listens.
PROVIDED_BY_THE_CALLER = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "PORT", "GUNICORN_BIND"}


# What the platform itself sets, or its owner answers once, where the app's address follows:
# the site is https://localhost on this machine (the name the TLS fronts serve).
PROVIDED_BY_THE_PLATFORM = {
    "heroku": {"SITE_URL": "https://localhost"},  # app.json asks for it
    "render": {"RENDER_EXTERNAL_HOSTNAME": "localhost"},
}


@dataclass
class Launch:
    build: str  # the static files' build, run once where the platform builds the app
    release: str
    start: str
    settings: dict[str, str]
    health_check: str | None = None  # an image's HEALTHCHECK, run beside the server
    platform: dict[str, str] = field(default_factory=dict)  # PROVIDED_BY_THE_PLATFORM
    worker: str | None = None  # the job worker's command, with jobs

    def environment(self, **secrets: str) -> dict[str, str]:
        """The platform's settings with the caller's secrets and addresses in their place."""
        kept = {k: v for k, v in self.settings.items() if k not in PROVIDED_BY_THE_CALLER}
        return {**kept, **self.platform, **secrets}


def heroku(project: Path, venv: Path) -> Launch:
    commands = procfile(project)
    env = platforms.app_json(project)["env"]
    settings = {name: spec["value"] for name, spec in env.items() if "value" in spec}
    return Launch(
        "bin/post_compile",
        commands["release"],
        commands["web"],
        settings,
        worker=commands.get("worker"),
    )


def render(project: Path, venv: Path) -> Launch:
    web = platforms.render_web_service(project)
    settings = platforms.render_settings(project)
    install, build = web["buildCommand"].split(" && ", 1)
    assert install == "pip install -r requirements.txt", "the venv has the requirements"
    services = yaml.safe_load((project / "render.yaml").read_text())["services"]
    workers = [s["startCommand"] for s in services if s["name"] == f"{web['name']}-worker"]
    return Launch(
        build,
        web["preDeployCommand"],
        web["startCommand"],
        settings,
        worker=next(iter(workers), None),
    )


def _image(project: Path, release: str, settings: dict) -> Launch:
    build, *_, runtime = platforms.dockerfile_stages(project / "Dockerfile")
    check = platforms.exec_form(runtime.last("HEALTHCHECK").split(" CMD ", 1)[1])
    start = shlex.join(platforms.exec_form(runtime.last("CMD")))
    known = {name: value for name, value in settings.items() if value is not None}
    return Launch(build.last("RUN"), release, start, known, shlex.join(check))


def fly(project: Path, venv: Path) -> Launch:
    fly = platforms.fly_toml(project)
    launch = _image(project, fly["deploy"]["release_command"], platforms.image_provided(project))
    launch.worker = fly.get("processes", {}).get("worker")
    return launch


def docker(project: Path, venv: Path) -> Launch:
    release = shlex.join(platforms.compose(project)["services"]["deploy"]["command"])
    # compose refuses to start without these two; their values are replaced by the caller's.
    variables = {"SECRET_KEY": "unused", "DATABASE_PASSWORD": "unused"}
    launch = _image(project, release, platforms.image_provided(project, variables))
    worker = platforms.compose(project)["services"].get("worker")
    launch.worker = shlex.join(worker["command"]) if worker else None
    return launch


def vps(project: Path, venv: Path) -> Launch:
    """The systemd unit's ExecStartPre and ExecStart, with this machine's virtualenv in
    place of the one the owner builds in /srv/<slug>/.venv."""
    slug = answers_of(project)["project_slug"]
    unit = platforms.systemd_unit(project / "deploy" / f"{slug}.service")

    def here(command: str) -> str:
        return command.replace(f"/srv/{slug}/.venv/", f"{venv}/")

    settings = platforms.environment_file(project / "deploy" / "env.example")
    # The owner runs the build as root after each pip install (the unit's first lines say so).
    build = f"/srv/{slug}/.venv/bin/python -m {answers_of(project)['package_name']}.static_files"
    launch = Launch(
        here(build), here(unit["ExecStartPre"][0]), here(unit["ExecStart"][0]), settings
    )
    worker_unit = project / "deploy" / f"{slug}-worker.service"
    if worker_unit.exists():
        launch.worker = here(platforms.systemd_unit(worker_unit)["ExecStart"][0])
    return launch


LAUNCHERS = {"heroku": heroku, "render": render, "fly": fly, "docker": docker, "vps": vps}


def launch_of(project: Path, venv: Path) -> Launch:
    platform = answers_of(project)["platform"]
    launch = LAUNCHERS[platform](project, venv)
    launch.platform = PROVIDED_BY_THE_PLATFORM.get(platform, {})
    if platform == "fly":  # the app's name: its address is then https://<name>.fly.dev
        launch.platform = {"FLY_APP_NAME": answers_of(project)["project_slug"]}
    return launch
