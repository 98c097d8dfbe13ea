from flask import current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy.exc import IntegrityError

from ..extensions import db, limiter
from ..models import Role, User
from ..passwords import spend_verification_time
from ..security import is_safe_redirect
from . import bp
from .forms import LoginForm, RegistrationForm

SIGN_IN_FAILED = "Wrong username, e-mail address or password."


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
        if user is not None:
            next_url = request.args.get("next")
            session.clear()  # a new session at sign-in: nothing from before carries over
            login_user(user, remember=form.remember_me.data)
            return redirect(next_url if is_safe_redirect(next_url) else url_for("main.index"))
        flash(SIGN_IN_FAILED, "error")
    return render_template("auth/login.html", form=form)


def authenticate(login: str, password: str) -> User | None:
    """The user that login and password name, or None; the same work either way."""
    user = User.by_login(login)
    if user is None:
        spend_verification_time(password)
        return None
    if not user.check_password(password) or not user.is_active:
        return None
    return user


@bp.post("/logout")
@login_required
def logout():
    # A POST, so CSRFProtect checks its token: no other site can sign a user out.
    session.clear()
    logout_user()  # after clear(): it leaves the note that deletes the remember cookie
    flash("You are signed out.", "info")
    return redirect(url_for("main.index"))


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(register_limit, methods=["POST"])
def register():
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = RegistrationForm()
    if form.validate_on_submit():
        user = User(
            username=form.username.data,
            email=form.email.data,
            password=form.password.data,
            role=Role.named(Role.USER),
        )
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # someone took the name between the check and the insert
            db.session.rollback()
            flash("That username or e-mail address is taken.", "error")
            return render_template("auth/register.html", form=form), 409
        flash("Your account is ready. You can sign in now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/register.html", form=form)
