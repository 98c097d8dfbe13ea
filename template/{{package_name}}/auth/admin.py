"""Administration: the users and their roles, for administrators only.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from wtforms import SelectField, SubmitField

from ..extensions import db
from . import audit
from .decorators import roles_required
from .models import Role, User

bp = Blueprint("admin", __name__)


class RoleForm(FlaskForm):
    role = SelectField("Role", choices=list(Role.NAMES))
    submit = SubmitField("Change")


@bp.get("/users")
@roles_required(Role.ADMIN)
def users():
    everyone = db.session.scalars(select(User).order_by(User.username)).all()
    forms = {user.id: RoleForm(role=role_of(user)) for user in everyone}
    return render_template("admin/users.html", users=everyone, forms=forms)


@bp.post("/users/<int:user_id>/role")
@roles_required(Role.ADMIN)
def change_role(user_id: int):
    user = db.session.get(User, user_id) or abort(404)
    form = RoleForm()
    if not form.validate_on_submit():
        abort(400)
    old = role_of(user)
    new = form.role.data
    if old == Role.ADMIN and new != Role.ADMIN and admin_count() == 1:
        flash("The last administrator keeps the role: make another one first.", "error")
        return redirect(url_for("admin.users"), code=303)
    if new != old:
        user.role = Role.named(new)
        db.session.commit()
        audit.record(audit.ROLE_CHANGED, user, detail=f"{old} -> {new} by {current_user.username}")
        flash(f"{user.username} is now {new}.", "success")
    return redirect(url_for("admin.users"), code=303)


def admin_count() -> int:
    query = select(func.count()).select_from(User).join(Role).where(Role.name == Role.ADMIN)
    return db.session.scalar(query)


def role_of(user: User) -> str:
    return user.role.name if user.role else Role.USER
