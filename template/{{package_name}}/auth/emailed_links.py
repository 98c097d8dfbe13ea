"""Address confirmation and password reset: the pages that ask for a link by e-mail, and
the pages those links open. Asking answers the same whether or not the address is known, and
does the same work: the lookup and the sending happen in the background, for any address.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import current_app, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_wtf import FlaskForm
from sqlalchemy import func, literal
from wtforms import SubmitField

from ..email import in_background
from ..extensions import limiter
from . import audit, bp, steps
from .emails import (
    EMAIL_CONFIRMED,
    PASSWORD_RESET,
    PASSWORD_RESET_REQUESTED,
    REGISTRATION_REFUSED,
    send_confirmation,
    within_mail_limit,
)
from .forms import NewPasswordForm, PasswordForm, email_field
from .lockout import unlock
from .models import User, UTCDateTime, utcnow
from .passwords import hash_password, spend_verification_time
from .signin import authenticate
from .tokens import CONFIRMATION, RESET, state_of, use_link, user_for
from .views import login_limit

LINK_SENT = "If an account uses that address, a link is on its way to it. It works once."
LINK_BROKEN = "That link is invalid, used or expired. Ask for a new one below."


class RegistrationByEmail(steps.Registration):
    """A new account confirms its address by the link it is sent. A registration with an
    address that has an account gets a new account's answer: only the address's owner
    learns, by e-mail."""

    account_made = "Your account is ready. Open the link we sent you by e-mail to sign in."

    def new_account(self, user: User) -> None:
        pass  # confirmed by its link

    def address_in_use(self, form, owner: User) -> ResponseReturnValue:
        spend_verification_time(form.password.data)  # the hashing a new account costs
        audit.record(REGISTRATION_REFUSED, owner, detail="address in use")
        flash(self.account_made, "success")
        return redirect(url_for("auth.login"))


steps.register_with(RegistrationByEmail())


@steps.sign_in_step
def address_confirmed_first(user: User, remember: bool, next_url: str | None):
    if user.email_confirmed_at is None:
        flash("Confirm your e-mail address first: open the link we sent you.", "error")
        return redirect(url_for("auth.resend_confirmation"))
    return None


class EmailAddressForm(FlaskForm):
    email = email_field()
    submit = SubmitField("Send the link")


def links_limit() -> str:
    return current_app.config["RATELIMIT_EMAIL_LINKS"]


@bp.route("/confirm", methods=["GET", "POST"])
@limiter.limit(links_limit, methods=["POST"])
def resend_confirmation():
    form = EmailAddressForm()
    if form.validate_on_submit():
        in_background(confirmation_requested, form.email.data)
        flash(LINK_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/email_address.html", form=form, title="Confirm your address")


def confirmation_requested(address: str) -> None:
    user = User.by_email(address)
    if user is not None and user.email_confirmed_at is None and within_mail_limit(user.email):
        send_confirmation(user)


@bp.route("/confirm/<token>", methods=["GET", "POST"])
@limiter.limit(login_limit, methods=["POST"])
def confirm_email(token: str):
    """The link proves the address, and the password the account: whoever holds an address
    someone else registered cannot confirm that account (a reset takes it over instead)."""
    user = user_for(token, CONFIRMATION)
    if user is None:
        flash(LINK_BROKEN, "error")
        return redirect(url_for("auth.resend_confirmation"))
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/confirm_email.html", form=form)
    state = state_of(user, CONFIRMATION)  # before the password check, which commits
    signed_in = authenticate(user.username, form.password.data)
    if signed_in is None or signed_in.id != user.id:
        flash("That is not the password of this account.", "error")
        return render_template("auth/confirm_email.html", form=form)
    if not use_link(user, CONFIRMATION, state, email_confirmed_at=utcnow()):
        flash(LINK_BROKEN, "error")  # another request used it a moment ago
        return redirect(url_for("auth.resend_confirmation"))
    audit.record(EMAIL_CONFIRMED, user)
    flash("Your address is confirmed. You can sign in now.", "success")
    return redirect(url_for("auth.login"))


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(links_limit, methods=["POST"])
def request_reset():
    form = EmailAddressForm()
    if form.validate_on_submit():
        in_background(reset_requested, form.email.data)
        flash(LINK_SENT, "info")
        return redirect(url_for("auth.login"))
    return render_template("auth/email_address.html", form=form, title="Reset your password")


def reset_requested(address: str) -> None:
    user = User.by_email(address)
    if user is not None and user.is_active:
        audit.record(PASSWORD_RESET_REQUESTED, user)  # auth/emails.py sends the link
    else:
        audit.record(PASSWORD_RESET_REQUESTED, detail="unknown address")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(links_limit, methods=["POST"])
def reset_password(token: str):
    user = user_for(token, RESET)
    if user is None:
        flash(LINK_BROKEN, "error")
        return redirect(url_for("auth.request_reset"))
    form = NewPasswordForm(user)
    if form.validate_on_submit():
        new_hash = hash_password(form.password.data)
        # The link proved the address too.
        confirmed = func.coalesce(User.email_confirmed_at, literal(utcnow(), UTCDateTime()))
        if not use_link(user, RESET, password_hash=new_hash, email_confirmed_at=confirmed):
            flash(LINK_BROKEN, "error")  # another request used it a moment ago
            return redirect(url_for("auth.request_reset"))
        if user.is_locked():
            unlock(user)  # whoever holds the address may end a lock
        audit.record(PASSWORD_RESET, user)
        flash("Your password is set. Sign in with it now.", "success")
        return redirect(url_for("auth.login"))
    return render_template("auth/reset_password.html", form=form)
