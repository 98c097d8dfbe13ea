"""The MDN HTTP Observatory (npm package @mdn/mdn-http-observatory), installed once into the
cache with --ignore-scripts and run as its src/scan.js, with a test CA trusted
(NODE_EXTRA_CA_CERTS; its bin/ wrapper would replace it with Mozilla's bundle)."""

import json
import os
import subprocess
from pathlib import Path

from .npm import installed
from .programs import require_program

PACKAGE = "@mdn/mdn-http-observatory@1.4.8"


def package_folder() -> Path:
    folder = installed(PACKAGE, "@mdn/mdn-http-observatory/src/scanner/index.js")
    folder = folder / "@mdn" / "mdn-http-observatory"
    preload = folder / "conf" / "hsts-preload.json"
    if not preload.exists():  # its install script would fetch Chromium's preload list
        preload.write_text("{}")
    return folder


def scan(hostname: str, authority: Path) -> dict:
    """The scan's result: {"scan": {"grade", "score", "testsFailed", ...}, "tests": {...}}."""
    node = require_program("node", "nodejs")
    result = subprocess.run(
        [node, str(package_folder() / "src" / "scan.js"), hostname],
        env={**os.environ, "NODE_EXTRA_CA_CERTS": str(authority)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout)
