"""Programs from Debian's packages that some tests run (nginx, systemd-analyze, database
clients). A test that needs a missing one skips, naming the package; under
REQUIRE_SERVICES=1 (as in CI) it fails instead."""

import os
import shutil

from .services import unavailable


def require_program(name: str, package: str) -> str:
    """The path of program name, which Debian's package ships."""
    path = shutil.which(name, path=f"{os.environ.get('PATH', '')}:/usr/sbin:/sbin")
    if path is None:
        unavailable(f"{name} is not installed: apt-get install {package}")
    return path
