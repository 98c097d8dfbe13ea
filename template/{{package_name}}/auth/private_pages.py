"""No cache, in the browser or on the way, may keep a page shown to a signed-in user: after
sign-out, Back or a shared proxy would show it again. The account and administration pages
are private whoever asks; any other response is private when it was made for a signed-in
user. Static files, which never look the user up, stay cacheable.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

from flask import g, request

from . import bp

PRIVATE_BLUEPRINTS = {"auth", "admin", "two_factor"}


@bp.after_app_request
def no_store_for_private_pages(response):
    # g._login_user is there when the request looked the user up (current_user): asking
    # here for the first time would query the database for responses that never needed it.
    user = g.get("_login_user")
    if request.blueprint in PRIVATE_BLUEPRINTS or (user is not None and user.is_authenticated):
        response.headers["Cache-Control"] = "no-store"
    return response
