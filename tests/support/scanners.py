"""Web vulnerability scanners run for real against a served app: wapiti (crawls, then attacks
every form and query it found) and sqlmap (SQL injection in one form), from a virtualenv of
their own built from pyproject.toml's `scanner` group (their pins conflict with the test
group's: mitmproxy, which wapiti needs, holds cryptography below sslyze's floor). They reach
the app through an nginx TLS front on a free port of 127.0.0.1, which also writes down the
status of every answer."""

import json
import re
import subprocess
import tempfile
import tomllib
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from . import nginx
from .programs import require_program
from .rendering import TEMPLATE
from .services import free_port, unavailable
from .tls import make_test_certificates
from .venv import app_venv

# Each request comes from an address of its own (2001:db8::/32 is for documentation), made
# from nginx's request id, so that the app's per-address rate limits never answer the
# scanner's attacks with 429 before the handlers behind them have seen the payloads.
SITE = """\
map $request_id $scanner_client {{
    "~^(?<first>[0-9a-f]{{4}})(?<second>[0-9a-f]{{4}})" "2001:db8::$first:$second";
}}
log_format statuses '$status "$request"';
server {{
    listen 127.0.0.1:{port} ssl;
    server_name localhost;
    ssl_certificate {fullchain};
    ssl_certificate_key {private_key};
    access_log {folder}/statuses.log statuses;
    location / {{
        proxy_pass http://127.0.0.1:{app_port};
        proxy_set_header Host $http_host;
        proxy_set_header X-Forwarded-For $scanner_client;
        proxy_set_header X-Forwarded-Proto https;
        proxy_read_timeout 60s;
    }}
}}
"""
STATUS_LINE = re.compile(r"^(?P<status>\d{3}) \"(?P<request>.*)\"$")
# wapiti's classes that name no weakness of the app: "anomalies" other than a server error
# (a slow answer under attack), and "additionals" (fingerprints, notes). Its "vulnerabilities"
# are every one a finding; so is an "Internal Server Error" anomaly.
SERVER_ERROR_ANOMALY = "Internal Server Error"


@dataclass
class Front:
    port: int
    authority: Path  # the test CA's certificate
    folder: Path

    @property
    def base_url(self) -> str:
        return f"https://localhost:{self.port}"

    def answers(self) -> list[tuple[int, str]]:
        """(status, request line) of every request the front has passed on so far."""
        path = self.folder / "statuses.log"
        lines = path.read_text(errors="replace").splitlines() if path.exists() else []
        return [(int(m["status"]), m["request"]) for m in map(STATUS_LINE.match, lines) if m]


@contextmanager
def scanning_front(app_port: int, folder: Path):
    """Yield a Front while nginx serves https://localhost:<free port>/ in front of app_port."""
    program = require_program("nginx", "nginx")
    folder.mkdir(parents=True, exist_ok=True)
    certificates = make_test_certificates(folder / "tls")
    port = free_port()
    site = folder / "front.conf"
    site.write_text(
        SITE.format(
            port=port,
            app_port=app_port,
            folder=folder,
            fullchain=certificates.fullchain,
            private_key=certificates.private_key,
        )
    )
    with nginx.running(program, nginx.main_config(folder, site), [port]):
        yield Front(port, certificates.authority, folder)


def scanner_venv() -> Path:
    """The virtualenv with pyproject.toml's scanner group, built once per set of pins."""
    pyproject = tomllib.loads((TEMPLATE / "pyproject.toml").read_text())
    pins = pyproject["dependency-groups"]["scanner"]
    with tempfile.TemporaryDirectory() as folder:
        requirements = Path(folder) / "requirements.txt"
        requirements.write_text("\n".join(sorted(pins)) + "\n")
        try:
            return app_venv(requirements)
        except subprocess.CalledProcessError as error:
            unavailable(f"the scanners ({', '.join(pins)}) could not be installed: {error}")


# wapiti's modules that attack the app itself and need nothing outside 127.0.0.1; the ones
# left out call an outside endpoint (ssrf, xxe, log4shell), download databases (wapp, nikto,
# cms), look up DNS (takeover), brute-force (buster, brute_login_form), or test software
# this app does not run (shellshock, spring4shell, wp_enum, network_device, htp, ldap).
WAPITI_MODULES = (
    "backup,cookieflags,crlf,csp,csrf,exec,file,htaccess,http_headers,methods,"
    "permanentxss,redirect,sql,timesql,upload,xss"
)


@dataclass
class WapitiReport:
    vulnerabilities: dict[str, list[dict]]
    anomalies: dict[str, list[dict]]
    crawled: int  # how many resources it explored

    def findings(self) -> dict[str, list[dict]]:
        """Everything wapiti classes as a vulnerability, and the server errors it provoked."""
        found = {name: items for name, items in self.vulnerabilities.items() if items}
        if self.anomalies.get(SERVER_ERROR_ANOMALY):
            found[SERVER_ERROR_ANOMALY] = self.anomalies[SERVER_ERROR_ANOMALY]
        return found

    def described(self) -> str:
        """Each finding as wapiti reports it: its class, what it saw, and the request."""
        return "\n".join(
            f"{name}: {item.get('info')}\n  {item.get('curl_command')}"
            for name, items in self.findings().items()
            for item in items
        )


def wapiti(
    front: Front,
    folder: Path,
    *,
    cookie: str | None = None,
    excluded: tuple[str, ...] = (),
    max_scan_time: int = 200,
) -> WapitiReport:
    """Crawl the site from / and attack what was found, bounded in time; the JSON report."""
    venv = scanner_venv()
    folder.mkdir(parents=True, exist_ok=True)
    report = folder / "report.json"
    command = [
        str(venv / "bin" / "wapiti"),
        "--url", f"{front.base_url}/",
        "--scope", "folder",
        "--module", WAPITI_MODULES,
        "--depth", "4",
        "--max-links-per-page", "40",
        "--max-scan-time", str(max_scan_time),
        "--max-attack-time", "30",  # each module's share: enough for every form here
        "--timeout", "30",
        "--tasks", "2",  # two sync workers serve it: more would only queue
        "--no-bugreport",  # nothing leaves 127.0.0.1
        "--store-session", str(folder / "session"),
        "--store-config", str(folder / "config"),
        "--flush-session",
        "--format", "json",
        "--output", str(report),
        "--verbose", "1",
        "--log", str(folder / "wapiti.log"),
    ]  # fmt: skip
    for url in excluded:
        command += ["--exclude", f"{front.base_url}{url}"]
    if cookie:
        command += ["--cookie-value", cookie]
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"}
    result = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=max_scan_time + 120
    )
    assert result.returncode == 0 and report.exists(), result.stdout[-4000:] + result.stderr
    data = json.loads(report.read_text())
    return WapitiReport(
        data["vulnerabilities"],
        data["anomalies"],
        int(data.get("infos", {}).get("crawled_pages_nbr", 0)),
    )


@dataclass
class SqlmapResult:
    injections: str  # what sqlmap found injectable, as its session log says; "" for none
    output: str

    @property
    def finished(self) -> bool:
        """Whether it tested every parameter to the end (not stopped by the form's defences)."""
        return "do not appear to be injectable" in self.output


def sqlmap(
    front: Front, path: str, fields: dict[str, str], dbms: str, folder: Path
) -> SqlmapResult:
    """sqlmap against the form at path, each POST with the form's fresh CSRF token: the
    boolean, error and UNION techniques at level and risk 1, which take seconds a form."""
    venv = scanner_venv()
    folder.mkdir(parents=True, exist_ok=True)
    url = front.base_url + path
    data = "&".join(f"{name}={value}" for name, value in {"csrf_token": "", **fields}.items())
    command = [
        str(venv / "bin" / "sqlmap"),
        "--url", url,
        "--data", data,
        "--csrf-token", "csrf_token",
        "--csrf-url", url,
        "--referer", url,
        "--dbms", dbms,
        "--technique", "BEU",
        "--level", "1",
        "--risk", "1",
        "--timeout", "20",
        "--retries", "1",
        "--batch",
        "--flush-session",
        "--disable-coloring",
        "--output-dir", str(folder / "output"),
    ]  # fmt: skip
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(folder), "LANG": "C.UTF-8"}
    result = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
    log = folder / "output" / "localhost" / "log"
    injections = log.read_text().strip() if log.exists() else ""
    return SqlmapResult(injections, result.stdout + result.stderr)
