"""Account lockout, address confirmation and the audit log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import mysql

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def timestamp():
    """To the microsecond on every database (MySQL keeps whole seconds by default)."""
    return sa.DateTime(timezone=True).with_variant(mysql.DATETIME(fsp=6), "mysql", "mariadb")


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("locked_until", timestamp(), nullable=True))
        batch.add_column(sa.Column("email_confirmed_at", timestamp(), nullable=True))
    # Accounts made before addresses were confirmed keep signing in.
    op.execute(sa.text("UPDATE users SET email_confirmed_at = created_at"))
    op.create_table(
        "audit_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", timestamp(), nullable=False),
        sa.Column("event", sa.String(length=40), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("remote_addr", sa.String(length=45), nullable=True),
        sa.Column("user_agent", sa.String(length=255), nullable=True),
        sa.Column("detail", sa.String(length=255), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_audit_events_user_id_users"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_events")),
    )
    op.create_index(op.f("ix_audit_events_at"), "audit_events", ["at"], unique=False)
    op.create_index(op.f("ix_audit_events_event"), "audit_events", ["event"], unique=False)
    op.create_index(
        "ix_audit_events_user_id_event_at", "audit_events", ["user_id", "event", "at"]
    )


def downgrade():
    op.drop_index("ix_audit_events_user_id_event_at", table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_event"), table_name="audit_events")
    op.drop_index(op.f("ix_audit_events_at"), table_name="audit_events")
    op.drop_table("audit_events")
    with op.batch_alter_table("users") as batch:
        batch.drop_column("email_confirmed_at")
        batch.drop_column("locked_until")
