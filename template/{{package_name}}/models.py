"""Yours: `copier update` never changes this file.

The app's own models. create_app() imports this module, so that `flask db migrate` sees each
model defined here and writes its migration, which `flask db upgrade` (and `flask deploy`)
applies. For example:

    from sqlalchemy import String
    from sqlalchemy.orm import Mapped, mapped_column

    from .extensions import db


    class Note(db.Model):
        __tablename__ = "notes"

        id: Mapped[int] = mapped_column(primary_key=True)
        text: Mapped[str] = mapped_column(String(500))
"""
