"""What a browser does with the rendered app's account pages, over HTTP."""

import re

from .processes import Response, Server

WRONG_PASSWORD = "not the password"


def sign_in_form(
    server: Server, client_address: str, login: str = "nobody", password: str = WRONG_PASSWORD
) -> tuple[dict[str, str], dict[str, str]]:
    """The sign-in form a browser at client_address, behind the platform's proxy, would post
    (with its CSRF token) and the headers it would send: fetch the form, then fill it in."""
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
    return {"csrf_token": token, "login": login, "password": password}, headers


def sign_in_attempt(server: Server, client_address: str) -> Response:
    """A browser's wrong-password sign-in from client_address behind the platform's proxy."""
    return server.post_form("/auth/login", *sign_in_form(server, client_address))
