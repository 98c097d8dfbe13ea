"""nginx for real: a rendered site file with only what differs between the owner's server
and this machine replaced (ports, certificate, socket and static paths), inside a main
configuration like Debian's that keeps its own files in a temporary folder."""

import re
import socket
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .processes import stop
from .tls import TestCertificates

LISTEN = re.compile(
    r"^(?P<directive>\s*listen\s+)(?P<ipv6>\[::\]:)?(?P<port>80|443)(?=[\s;])", re.M
)

# The directives that name something of the owner's machine; every other line of the
# rendered site must reach nginx unchanged.
MACHINE_SPECIFIC = (
    "listen ",
    "server_name ",
    "ssl_certificate ",
    "ssl_certificate_key ",
    "proxy_pass ",
    "alias ",
)
SITE_NAME = "example.com"  # the domain the owner writes in place of it


def with_server_name(site: str, name: str) -> str:
    """The site's own name (example.com) becomes name; the catch-all default servers stay."""
    old = f"server_name {SITE_NAME};"
    assert site.count(old) == 2, "expected the site's name in its HTTP and HTTPS servers"
    return site.replace(old, f"server_name {name};")


def with_loopback_ports(site: str, http_port: int, https_port: int) -> str:
    """Port 80 becomes http_port and 443 https_port, on 127.0.0.1 and [::1] instead of every
    address, so that the test needs no privileged port and exposes nothing."""
    ports = {"80": http_port, "443": https_port}

    def loopback(match: re.Match) -> str:
        address = "[::1]" if match["ipv6"] else "127.0.0.1"
        return f"{match['directive']}{address}:{ports[match['port']]}"

    replaced, count = LISTEN.subn(loopback, site)
    assert count == len(re.findall(r"^\s*listen\s", site, re.M)), "a listen directive is left"
    return replaced


def with_test_certificates(site: str, certificates: TestCertificates) -> str:
    """certbot's certificate and key become the test authority's."""
    site, certs = re.subn(
        r"^(\s*ssl_certificate\s+)\S+;", rf"\g<1>{certificates.fullchain};", site, flags=re.M
    )
    site, keys = re.subn(
        r"^(\s*ssl_certificate_key\s+)\S+;", rf"\g<1>{certificates.private_key};", site, flags=re.M
    )
    assert (certs, keys) == (1, 1), "expected one ssl_certificate and one ssl_certificate_key"
    return site


def with_socket(site: str, rendered_socket: str, socket_path: Path) -> str:
    """gunicorn's socket in /run/<slug>/ becomes a temporary one."""
    old = f"proxy_pass http://unix:{rendered_socket};"
    assert site.count(old) == 1, f"the site does not pass requests to {rendered_socket}"
    return site.replace(old, f"proxy_pass http://unix:{socket_path};")


def with_static_folder(site: str, rendered_folder: str, folder: Path) -> str:
    """The app's static folder under /srv/<slug>/ becomes the test copy's."""
    old = f"alias {rendered_folder};"
    assert site.count(old) == 1, f"the site does not serve {rendered_folder}"
    return site.replace(old, f"alias {folder}/;")


def assert_only_machine_specific_lines_differ(rendered: str, site: str) -> None:
    rendered_lines, site_lines = rendered.splitlines(), site.splitlines()
    assert len(rendered_lines) == len(site_lines)
    for old, new in zip(rendered_lines, site_lines, strict=True):
        if old != new:
            assert old.strip().startswith(MACHINE_SPECIFIC), f"changed: {old!r} -> {new!r}"


def main_config(folder: Path, site: Path) -> Path:
    """nginx.conf for the test: Debian's http settings (its own weaker TLS defaults included,
    which the site must override), every file nginx writes in folder, and the site."""
    temp = {name: folder / name for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")}
    for path in temp.values():
        path.mkdir(exist_ok=True)
    config = folder / "nginx.conf"
    config.write_text(
        f"""\
# Root, like Debian's nginx, but its workers keep root's rights over the temporary files.
user root;
worker_processes 1;
pid {folder}/nginx.pid;
error_log {folder}/error.log notice;

events {{
    worker_connections 64;
}}

http {{
    sendfile on;
    tcp_nopush on;
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    ssl_protocols TLSv1 TLSv1.1 TLSv1.2 TLSv1.3;
    ssl_prefer_server_ciphers on;
    gzip on;
    access_log {folder}/access.log;
    client_body_temp_path {temp["client_body"]};
    proxy_temp_path {temp["proxy"]};
    fastcgi_temp_path {temp["fastcgi"]};
    uwsgi_temp_path {temp["uwsgi"]};
    scgi_temp_path {temp["scgi"]};

    include {site};
}}
"""
    )
    return config


@dataclass
class Nginx:
    process: subprocess.Popen
    folder: Path

    def error_log(self) -> str:
        path = self.folder / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


def command(nginx: str, config: Path, *arguments: str) -> list[str]:
    folder = config.parent
    return [
        nginx,
        "-p",
        f"{folder}/",
        "-e",
        str(folder / "error.log"),
        "-c",
        str(config),
        *arguments,
    ]


def check(nginx: str, config: Path) -> subprocess.CompletedProcess:
    """`nginx -t`: parses the configuration, opens the certificates and the ports, and stops."""
    return subprocess.run(command(nginx, config, "-t"), capture_output=True, text=True, timeout=30)


@contextmanager
def running(nginx: str, config: Path, ports: list[int], timeout: float = 15):
    """Run nginx in the foreground until the block ends, then stop it by its process id."""
    process = subprocess.Popen(
        command(nginx, config, "-g", "daemon off;"),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    server = Nginx(process, config.parent)
    try:
        wait_until_listening(server, ports, timeout)
        yield server
    finally:
        stop(process)


def wait_until_listening(server: Nginx, ports: list[int], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    waiting = list(ports)
    while waiting:
        if server.process.poll() is not None:
            raise RuntimeError(f"nginx exited ({server.process.returncode}):\n{server.error_log()}")
        if time.monotonic() > deadline:
            raise TimeoutError(f"nginx is not listening on {waiting}:\n{server.error_log()}")
        try:
            socket.create_connection(("127.0.0.1", waiting[0]), timeout=1).close()
            waiting.pop(0)
        except OSError:
            time.sleep(0.1)
