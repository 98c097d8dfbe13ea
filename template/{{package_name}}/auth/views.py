"""The accounts' pages: sign-in, sign-out, registration and the account page.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user, login_required
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from . import audit, bp, sign_ins, steps
from .forms import ChangePasswordForm, LoginForm, RegistrationForm
from .models import Role, User
from .signin import SIGN_IN_FAILED, authenticate, complete_sign_in, sign_out


def login_limit() -> str:
    return current_app.config["RATELIMIT_LOGIN"]


def register_limit() -> str:
    return current_app.config["RATELIMIT_REGISTER"]


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def login():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = authenticate(form.login.data, form.password.data)
        if user is None:
            flash(SIGN_IN_FAILED, "error")
        else:
            remember, next_url = form.remember_me.data, request.args.get("next")
            return steps.first_answer(user, remember, next_url) or complete_sign_in(
                user, remember, next_url
            )
    return render_template("auth/login.html", form=form)


@bp.post("/logout")
@login_required
def logout():
    # A POST, so CSRFProtect checks its token: no other site can sign a user out.
    sign_out(current_user._get_current_object())
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        owner = User.by_email(form.email.data)
        if owner is not None:
            return steps.registration.address_in_use(form, owner)
        user = User(
            username=form.username.data,
            email=form.email.data,
            password=form.password.data,
            role=Role.named(Role.USER),
        )
        steps.registration.new_account(user)
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # someone took the name between the check and the insert
            db.session.rollback()
            flash("That username or e-mail address is taken.", "error")
            return render_template("auth/register.html", form=form), 409
        audit.record(audit.ACCOUNT_CREATED, user)
        flash(steps.registration.account_made, "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)


@bp.route("/account", methods=["GET", "POST"])
@login_required
@limiter.limit(login_limit, methods=["POST"])
def account():
    """The signed-in user's settings, and the devices signed in to the account."""
    user = current_user._get_current_object()
    form = ChangePasswordForm(user)
    if form.validate_on_submit():
        user.set_password(form.password.data)
        sign_ins.keep_after_password_change(user)  # commits the password with it
        audit.record(audit.PASSWORD_CHANGED, user)
        flash("Your password is changed. Other devices are signed out.", "success")
        return redirect(url_for("auth.account"))
    return render_template(
        "auth/account.html", form=form, sign_ins=sign_ins.active(user), device=sign_ins.device
    )


@bp.post("/sign-ins/<int:sign_in_id>/end")
@login_required
def end_sign_in(sign_in_id: int):
    """Sign one of the user's other devices out. (This device signs out with the logout view.)"""
    user = current_user._get_current_object()
    if sign_in_id > sign_ins.LARGEST_ID:
        abort(404)
    if sign_in_id == user.current_sign_in.id:
        abort(400, "Sign out of this device with Sign out.")
    if sign_ins.end(user, sign_in_id):
        audit.record(audit.SIGN_IN_ENDED, user, detail=f"sign-in {sign_in_id}")
        flash("That device is signed out.", "success")
    return redirect(url_for("auth.account"), code=303)


@bp.post("/sign-ins/end-others")
@login_required
def end_other_sign_ins():
    user = current_user._get_current_object()
    ended = sign_ins.end_others(user)
    if ended:
        audit.record(audit.OTHER_SIGN_INS_ENDED, user, detail=f"{ended} ended")
    flash("You are signed out everywhere else.", "success")
    return redirect(url_for("auth.account"), code=303)
