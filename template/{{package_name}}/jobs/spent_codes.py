"""The scheduled job for two-factor sign-in: recovery codes that were used are deleted (a
used code is refused whether its row is there or not). `flask rq cron` enqueues it each
night; a second run deletes nothing.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Mapping, MutableMapping
from typing import Any

from flask import current_app
from flask_rq import RQ

from ..auth.models import RecoveryCode
from .purges import delete_in_batches


def settings(config: MutableMapping[str, Any], environ: Mapping[str, str]) -> None:
    """None of its own."""


def schedule(rq: RQ) -> None:
    rq.cron_register(purge_spent_recovery_codes, "37 3 * * *")


def purge_spent_recovery_codes() -> int:
    deleted = delete_in_batches(RecoveryCode, RecoveryCode.used_at.is_not(None))
    current_app.logger.info("Purged %d used recovery codes", deleted)
    return deleted
