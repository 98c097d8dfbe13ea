"""Talisman's security headers, built once for each policy instead of on every response:
only the CSP nonce changes from one request to the next, and only it is put in per request.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import flask
from flask_talisman import ALLOW_FROM
from flask_talisman import Talisman as BaseTalisman

# Stands for the request's nonce in a policy built ahead of the request.
NONCE = "\0nonce\0"


class Talisman(BaseTalisman):
    """Talisman, sending the same headers, with the same values, as it does on its own."""

    def _set_response_headers(self, response: flask.Response) -> flask.Response:
        options = self._get_local_options()
        headers, policy_name, policy = self._built(options)
        for name, value in headers:
            response.headers[name] = value
        if policy:
            nonce = getattr(flask.request, "csp_nonce", None)
            with_nonce = policy[0] if nonce is None else nonce.join(policy[1])
            response.headers[policy_name] = with_nonce
        if self.strict_transport_security and _is_https():
            response.headers["Strict-Transport-Security"] = self._hsts()
        response.headers["Referrer-Policy"] = self.referrer_policy
        return response

    def _built(self, options: dict) -> tuple:
        """The headers options give, without HSTS (which depends on the request) and the CSP
        as (without a nonce, the parts between nonces); kept for as long as the same settings
        ask for them. The key holds every setting read, so changing one builds them anew."""
        key = self._key(options)
        cache = self.__dict__.setdefault("_built_headers", {})
        if key not in cache:
            cache[key] = self._build(options)
        return cache[key]

    def _key(self, options: dict) -> tuple:
        policies = ("feature_policy", "permissions_policy", "document_policy")
        return (
            *(_frozen(options[name]) for name in policies),
            options["frame_options"],
            options["frame_options_allow_from"],
            _frozen(options["content_security_policy"]),
            tuple(options["content_security_policy_nonce_in"]),
            self.x_xss_protection,
            self.x_content_type_options,
            self.force_file_save,
            self.content_security_policy_report_uri,
            self.content_security_policy_report_only,
        )

    def _build(self, options: dict) -> tuple:
        headers = []
        if options["feature_policy"]:
            policy = self._policy(options["feature_policy"], options, nonce=False)
            headers.append(("Feature-Policy", policy))
        for name in ("permissions_policy", "document_policy"):
            if options[name]:
                header = name.replace("_", "-").title()
                headers.append((header, self._parse_structured_header_policy(options[name])))
        if options["frame_options"]:
            value = options["frame_options"]
            if value == ALLOW_FROM:
                value += f" {options['frame_options_allow_from']}"
            headers.append(("X-Frame-Options", value))
        if self.x_xss_protection:
            headers.append(("X-XSS-Protection", "1; mode=block"))
        if self.x_content_type_options:
            headers.append(("X-Content-Type-Options", "nosniff"))
        if self.force_file_save:
            headers.append(("X-Download-Options", "noopen"))
        policy_name = "Content-Security-Policy"
        if self.content_security_policy_report_only:
            policy_name += "-Report-Only"
        return headers, policy_name, self._content_security_policy(options)

    def _content_security_policy(self, options: dict) -> tuple[str, list[str]] | None:
        if not options["content_security_policy"]:
            return None
        built = [
            self._policy(options["content_security_policy"], options, nonce)
            for nonce in (False, True)
        ]
        if self.content_security_policy_report_uri:
            built = [
                policy
                if "report-uri" in policy
                else f"{policy}; report-uri {self.content_security_policy_report_uri}"
                for policy in built
            ]
        return built[0], built[1].split(NONCE)

    def _policy(self, policy, options: dict, nonce: bool = True) -> str:
        """Talisman's _parse_policy, with NONCE where the request's nonce goes."""
        if isinstance(policy, str):
            parts = (part.strip().split(" ") for part in policy.split(";"))
            policy = {part[0]: " ".join(part[1:]) for part in parts}
        directives = []
        for section, content in policy.items():
            content = content if isinstance(content, str) else " ".join(content)
            directive = f"{section} {content}"
            if nonce and section in options["content_security_policy_nonce_in"]:
                directive += f" 'nonce-{NONCE}'"
            directives.append(directive)
        return "; ".join(directives)

    def _hsts(self) -> str:
        value = f"max-age={self.strict_transport_security_max_age}"
        if self.strict_transport_security_include_subdomains:
            value += "; includeSubDomains"
        if self.strict_transport_security_preload:
            value += "; preload"
        return value


def _is_https() -> bool:
    request = flask.request
    return request.is_secure or request.headers.get("X-Forwarded-Proto", "http") == "https"


def _frozen(policy):
    """policy as a key: a string, or its directives with their sources."""
    if not policy:
        return None
    if isinstance(policy, str):
        return policy
    return tuple((k, v if isinstance(v, str) else tuple(v)) for k, v in policy.items())
