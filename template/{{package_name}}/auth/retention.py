"""How long the accounts' records are kept: audit events until AUDIT_LOG_RETENTION has
passed, sign-ins until they end or expire (each user's are also forgotten at their next
sign-in; these are the ones of users who never come back). Each purge deletes only what its
condition selects, so a second run deletes nothing; where the project has a scheduler, it
runs them each night.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py (SETTINGS["AUDIT_LOG_RETENTION"], a timedelta).
"""

from flask import current_app
from sqlalchemy import delete, or_, select

from ..extensions import db
from .models import AuditEvent, SignIn, utcnow

BATCH = 1000  # rows a transaction: a long delete would hold its locks against sign-ins


def delete_in_batches(model, condition) -> int:
    """Delete the rows of model that meet condition, by id, BATCH at a time; how many went."""
    deleted = 0
    while ids := db.session.scalars(select(model.id).where(condition).limit(BATCH)).all():
        db.session.execute(delete(model).where(model.id.in_(ids)))
        db.session.commit()
        deleted += len(ids)
    return deleted


def purge_audit_events() -> int:
    cutoff = utcnow() - current_app.config["AUDIT_LOG_RETENTION"]
    deleted = delete_in_batches(AuditEvent, AuditEvent.at < cutoff)
    current_app.logger.info("Purged %d audit events from before %s", deleted, f"{cutoff:%Y-%m-%d}")
    return deleted


def purge_finished_sign_ins() -> int:
    finished = or_(SignIn.ended_at.is_not(None), SignIn.expires_at <= utcnow())
    deleted = delete_in_batches(SignIn, finished)
    current_app.logger.info("Purged %d sign-ins that ended or expired", deleted)
    return deleted
