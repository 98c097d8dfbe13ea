"""What a browser does with the rendered app's account pages, over HTTP."""

import re

from .processes import Response, Server


def sign_in_attempt(server: Server, client_address: str) -> Response:
    """A browser's wrong-password sign-in from client_address behind the platform's proxy:
    fetch the form (cookie and CSRF token), then post it."""
    router = {"X-Forwarded-Proto": "https", "X-Forwarded-For": client_address}
    page = server.get("/auth/login", **{k.replace("-", "_"): v for k, v in router.items()})
    token = re.search(rb'name="csrf-token" content="([^"]+)"', page.body).group(1).decode()
    cookie = page.headers["Set-Cookie"].split(";", 1)[0]
    headers = {
        **router,
        "Cookie": cookie,
        "Host": f"127.0.0.1:{server.port}",
        "Referer": f"https://127.0.0.1:{server.port}/auth/login",
    }
    form = {"csrf_token": token, "login": "nobody", "password": "not the password"}
    return server.post_form("/auth/login", form, headers)
