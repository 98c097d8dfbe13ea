"""The accounts' purges (auth/retention.py), each night, at minutes apart, in UTC: `flask rq
cron` enqueues them.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from flask_rq import RQ

from ..auth.retention import purge_audit_events, purge_finished_sign_ins


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """None of its own: auth/settings.py has AUDIT_LOG_RETENTION."""


def schedule(rq: RQ) -> None:
    rq.cron_register(purge_audit_events, "17 3 * * *")
    rq.cron_register(purge_finished_sign_ins, "27 3 * * *")
