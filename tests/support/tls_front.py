"""A TLS-terminating proxy in front of an app server, as a platform's router is: nginx on
ports 443 (test certificates for localhost) and 80 of both loopback addresses (Node.js asks
for localhost at ::1 first), passing every request to the app with X-Forwarded-For and
X-Forwarded-Proto. The MDN HTTP Observatory's scanner knows no other ports, so one test at a
time holds them."""

import fcntl
from contextlib import contextmanager
from pathlib import Path

from . import nginx
from .programs import require_program
from .tls import make_test_certificates
from .venv import CACHE

HTTP_PORT, HTTPS_PORT = 80, 443
SITE = """\
server {{
    listen 127.0.0.1:{https_port} ssl;
    listen [::1]:{https_port} ssl;
    server_name localhost;
    ssl_certificate {fullchain};
    ssl_certificate_key {private_key};
    location / {{
        proxy_pass http://127.0.0.1:{app_port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto https;
    }}
}}
server {{
    listen 127.0.0.1:{http_port};
    listen [::1]:{http_port};
    server_name localhost;
    location / {{
        proxy_pass http://127.0.0.1:{app_port};
        proxy_set_header Host $host;
        proxy_set_header X-Forwarded-For $remote_addr;
        proxy_set_header X-Forwarded-Proto http;
    }}
}}
"""


@contextmanager
def tls_front(app_port: int, folder: Path):
    """Yield the test CA's certificate while nginx serves https://localhost/ (and http://)."""
    folder.mkdir(parents=True, exist_ok=True)
    certificates = make_test_certificates(folder / "tls")
    site = folder / "front.conf"
    site.write_text(
        SITE.format(
            https_port=HTTPS_PORT,
            http_port=HTTP_PORT,
            app_port=app_port,
            fullchain=certificates.fullchain,
            private_key=certificates.private_key,
        )
    )
    config = nginx.main_config(folder, site)
    program = require_program("nginx", "nginx")
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / "ports-80-443.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        with nginx.running(program, config, [HTTP_PORT, HTTPS_PORT]):
            yield certificates.authority
