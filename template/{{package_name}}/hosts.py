"""Host trust: a request that names a host other than the site's (SITE_URL, and the aliases
in TRUSTED_HOSTS) gets a 400 before anything reads its Host. The health checks answer on any
host: platforms ask for them on the machine's own address, and they build no links.

Links the app sends out never come from the Host a request names: e-mail builds them from
SITE_URL. This check keeps the rest (redirects, caches keyed on the URL) on the site's names.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import Flask, abort, current_app, request
from werkzeug.sansio.utils import host_is_trusted

ANY_HOST_BLUEPRINTS = {"health"}


def refuse_unknown_hosts(app: Flask) -> None:
    app.before_request(refuse_unknown_host)


def refuse_unknown_host() -> None:
    hosts = current_app.config["SITE_HOSTS"]
    if hosts is None or request.blueprint in ANY_HOST_BLUEPRINTS:
        return
    if not host_is_trusted(request.host.lower(), hosts):  # host names know no case
        abort(400, "This site does not answer to that host name.")
