"""The purge of used recovery codes (two_factor/codes.py), each night: `flask rq cron`
enqueues it.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from flask_rq import RQ

from ..two_factor.codes import purge_spent_recovery_codes


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """None of its own."""


def schedule(rq: RQ) -> None:
    rq.cron_register(purge_spent_recovery_codes, "37 3 * * *")
