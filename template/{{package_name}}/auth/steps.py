"""Where features join the accounts' flows: the steps between a right password and the
signed-in session, and how registration treats an address.

Without other features, a right password signs in, and a new account's address counts as
confirmed. Address confirmation by e-mail (emailed_links.py) and two-factor sign-in
(two_factor/) add their own steps and registration when their options are on.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from collections.abc import Callable

from flask import render_template
from flask.typing import ResponseReturnValue

from .models import User, utcnow

SignInStep = Callable[[User, bool, str | None], ResponseReturnValue | None]

# Run in the order their modules are imported: a step answers (a response) to stop the
# sign-in there, or lets it go on (None).
SIGN_IN_STEPS: list[SignInStep] = []


def sign_in_step(step: SignInStep) -> SignInStep:
    """Add step to those a right password goes through before the session starts."""
    SIGN_IN_STEPS.append(step)
    return step


def first_answer(user: User, remember: bool, next_url: str | None) -> ResponseReturnValue | None:
    for step in SIGN_IN_STEPS:
        answer = step(user, remember, next_url)
        if answer is not None:
            return answer
    return None


class Registration:
    """Registration where no e-mail can confirm an address: the account is ready at once, and
    the form says when an address has an account already."""

    account_made = "Your account is ready. You can sign in now."

    def new_account(self, user: User) -> None:
        user.email_confirmed_at = utcnow()  # no e-mail to confirm it with

    def address_in_use(self, form, owner: User) -> ResponseReturnValue:
        form.email.errors.append("An account with this e-mail address exists already.")
        return render_template("auth/register.html", form=form)


registration = Registration()


def register_with(policy: Registration) -> None:
    """Replace how registration treats an address (emailed_links.py does, with e-mail)."""
    global registration
    registration = policy
