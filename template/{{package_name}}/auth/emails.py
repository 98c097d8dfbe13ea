"""The e-mails accounts send: each answers the security event that calls for it (see
audit.security_event), so that the views only record what happened. Links anyone may ask
for are limited per address too (RATELIMIT_EMAILS_PER_ADDRESS), so that many clients cannot
flood one inbox.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import hashlib
from urllib.parse import urlsplit

from flask import current_app, render_template
from limits import parse

from ..email import send_email
from ..extensions import limiter
from . import audit
from .models import AuditEvent, User
from .tokens import CONFIRMATION, RESET, token_for

# The events of the links sent by e-mail (auth/emailed_links.py records them).
EMAIL_CONFIRMED = "email_confirmed"
REGISTRATION_REFUSED = "registration_refused"  # the address has an account
PASSWORD_RESET_REQUESTED = "password_reset_requested"  # noqa: S105 (an event name)
PASSWORD_RESET = "password_reset"  # noqa: S105 (an event name)

audit.OWNER_NOTICES[PASSWORD_RESET] = "Your password was reset"


def site_link(endpoint: str, **values) -> str:
    """An absolute link to endpoint at the site's own address (SITE_URL), whatever Host the
    request that sends the e-mail named: a forged Host must not put its name in a link."""
    site = urlsplit(current_app.config["SITE_URL"])
    urls = current_app.url_map.bind(site.netloc, site.path or "/", url_scheme=site.scheme)
    return urls.build(endpoint, values, force_external=True)


@audit.security_event.connect
def send_account_email(entry: AuditEvent, user: User | None = None, **_) -> None:
    if user is None:
        return
    if entry.event == audit.ACCOUNT_CREATED and user.email_confirmed_at is None:
        send_confirmation(user)
    elif entry.event == PASSWORD_RESET_REQUESTED and within_mail_limit(user.email):
        send_reset_link(user)
    elif entry.event == REGISTRATION_REFUSED and within_mail_limit(user.email):
        send_address_in_use(user)
    elif entry.event in audit.OWNER_NOTICES:
        send_notice(user, entry)


def within_mail_limit(address: str) -> bool:
    """Count one more mail to address, in the rate limiter's storage, which every process
    shares and counts in atomically; False when the address had its share. Only a digest of
    the address is kept there."""
    config = current_app.config
    digest = hashlib.sha256(address.encode()).hexdigest()
    limit = parse(config["RATELIMIT_EMAILS_PER_ADDRESS"])
    try:
        return limiter.limiter.hit(limit, config["RATELIMIT_NAMESPACE"], "mail-to", digest)
    except Exception:  # the storage failed: the limits per client still hold
        current_app.logger.warning("Mails per address not counted: the storage failed")
        return True


def send_confirmation(user: User) -> None:
    link = site_link("auth.confirm_email", token=token_for(user, CONFIRMATION))
    body = render_template("email/confirm_email.txt", user=user, link=link)
    send_email([user.email], "Confirm your e-mail address", body)


def send_reset_link(user: User) -> None:
    link = site_link("auth.reset_password", token=token_for(user, RESET))
    body = render_template("email/reset_password.txt", user=user, link=link)
    send_email([user.email], "Reset your password", body)


def send_address_in_use(user: User) -> None:
    """Someone tried to register with user's address: the answer they got was the one a new
    account gets, so only the address's owner learns that it has an account."""
    login = site_link("auth.login")
    reset = site_link("auth.request_reset")
    body = render_template("email/address_in_use.txt", user=user, login=login, reset=reset)
    send_email([user.email], "Your address is in use here already", body)


def send_notice(user: User, entry: AuditEvent) -> None:
    reset = site_link("auth.request_reset")
    body = render_template("email/notice.txt", user=user, entry=entry, reset=reset)
    send_email([user.email], audit.OWNER_NOTICES[entry.event], body)
