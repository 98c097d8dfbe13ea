"""The pages of two-factor sign-in: setting it up, the second step and turning it off.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import current_app, flash, redirect, render_template, session, url_for
from flask_login import current_user, login_required

from ..auth import audit, lockout
from ..auth.signin import SIGN_IN_FAILED, complete_sign_in
from ..extensions import limiter
from . import (
    RECOVERY_CODE_USED,
    SECOND_FACTOR_DISABLED,
    SECOND_FACTOR_ENABLED,
    SECOND_FACTOR_FAILED,
    bp,
    codes,
)
from .forms import CodeForm, DisableForm, SetupForm
from .second_step import abandon, pending

PENDING_KEY = "totp_setup"  # the session key of the key being set up


@bp.after_request
def no_store(response):
    # These pages show a secret key or recovery codes: no cache may keep them.
    response.headers["Cache-Control"] = "no-store"
    return response


def second_factor_limit() -> str:
    return current_app.config["RATELIMIT_SECOND_FACTOR"]


def accept_code(user, code: str) -> bool:
    """Whether code is user's current TOTP code or an unused recovery code; the use is saved."""
    if codes.accept_totp(user, code):
        return True
    if codes.use_recovery_code(user, code):
        audit.record(RECOVERY_CODE_USED, user)
        return True
    return False


@bp.route("/verify", methods=["GET", "POST"])
@limiter.limit(second_factor_limit, methods=["POST"])
def verify():
    """The second step of signing in."""
    found = pending()
    if found is None:
        abandon()
        flash("Sign in again: the sign-in expired.", "info")
        return redirect(url_for("auth.login"))
    user, state = found
    form = CodeForm()
    if form.validate_on_submit():
        attempt = lockout.take_attempt(user)  # the password's attempts and the code's are one count
        if attempt is None:
            abandon()
            flash(SIGN_IN_FAILED, "error")
            return redirect(url_for("auth.login"))
        if accept_code(user, form.code.data):
            lockout.record_success(user)
            return complete_sign_in(user, state["remember"], state["next"])
        lockout.record_failure(user, attempt, SECOND_FACTOR_FAILED)
        form.code.errors.append("That code is not right, or was used already.")
    return render_template("two_factor/verify.html", form=form)


@bp.route("/setup", methods=["GET", "POST"])
@login_required
@limiter.limit(second_factor_limit, methods=["POST"])
def setup():
    user = current_user._get_current_object()
    if user.has_second_factor:
        return redirect(url_for("auth.account"))
    secret = session.setdefault(PENDING_KEY, codes.new_secret())
    form = SetupForm()
    if form.validate_on_submit():
        step = codes.matching_step(secret, form.code.data, after=None)
        if step is not None:
            recovery_codes = codes.enable(user, secret, step)
            session.pop(PENDING_KEY)
            if recovery_codes is None:  # another request turned it on and showed its codes
                return redirect(url_for("auth.account"))
            audit.record(SECOND_FACTOR_ENABLED, user)
            return render_template("two_factor/recovery_codes.html", codes=recovery_codes)
        form.code.errors.append("That code is not right: check the time on your phone.")
    uri = codes.provisioning_uri(secret, user)
    return render_template(
        "two_factor/setup.html", form=form, qr_code=codes.qr_code_svg(uri), secret=secret
    )


@bp.route("/disable", methods=["GET", "POST"])
@login_required
@limiter.limit(second_factor_limit, methods=["POST"])
def disable():
    user = current_user._get_current_object()
    if not user.has_second_factor:
        return redirect(url_for("auth.account"))
    form = DisableForm()
    if form.validate_on_submit():
        attempt = lockout.take_attempt(user)  # a stolen session guesses no faster than sign-in
        if attempt is None:
            form.password.errors.append("Too many wrong attempts: try again in a while.")
        elif not user.check_password(form.password.data):
            lockout.record_failure(user, attempt)
            form.password.errors.append("That is not your password.")
        elif not accept_code(user, form.code.data):
            lockout.record_failure(user, attempt, SECOND_FACTOR_FAILED)
            form.code.errors.append("That code is not right, or was used already.")
        else:
            lockout.record_success(user)
            if codes.disable(user):  # not when another request turned it off first
                audit.record(SECOND_FACTOR_DISABLED, user)
            flash("Two-factor sign-in is off.", "success")
            return redirect(url_for("auth.account"))
    return render_template("two_factor/disable.html", form=form)
