"""Flask-Limiter, counting the default limits in one step where they are all that applies.

On each request Flask-Limiter works out which limits apply: the route's, its blueprint's,
exemptions, application and meta limits, each looked up afresh, which costs several times the
count itself. Most requests are to a page with none of those, or to a view whose own limits
are for another method (the sign-in form's are for POST): then only the default limits apply,
and this Limiter counts them directly, under the same keys, in the same storage, and refuses
as Flask-Limiter does. Anything else, and a storage that has failed, goes Flask-Limiter's way.

The template's module: `copier update` merges the template's changes into it; change what it
does through extend.py.
"""

import flask
from flask_limiter import Limiter as BaseLimiter
from flask_limiter import RateLimitExceeded, RequestLimit
from flask_limiter.util import get_qualified_name

# Flask-Limiter's own log lines, for what this Limiter does in its place.
STORAGE_FAILED = "Rate limit storage unreachable - falling back to in-memory storage"
SKIPPED = "Skipping limit: %s. Empty value found in parameters."
EXCEEDED = "ratelimit %s (%s) exceeded at endpoint: %s"


class Limiter(BaseLimiter):
    def _check_request_limit(self, callable_name=None, in_middleware=True) -> None:
        endpoint = self.identify_request() if self._nothing_but_route_limits() else None
        if not endpoint:
            return super()._check_request_limit(callable_name, in_middleware)
        if endpoint.split(".")[-1] == "static" or any(fn() for fn in self._request_filters):
            return None
        name = callable_name or _view_name(endpoint)
        if self.limit_manager.has_hints(endpoint):  # a limited helper ran on this page once
            return super()._check_request_limit(callable_name, in_middleware)
        if in_middleware and name in self._marked_for_limiting:
            return None  # the view's own check counts the defaults beside its own limits
        defaults = self.limit_manager.default_limits
        if self._only_defaults_apply(name, in_middleware) and _plain(defaults):
            return self._count_or_fall_back(defaults, endpoint, callable_name, in_middleware)
        return super()._check_request_limit(callable_name, in_middleware)

    def _nothing_but_route_limits(self) -> bool:
        """No limits but default and route limits are set, and the storage answers."""
        manager = self.limit_manager
        return (
            self.enabled
            and self.initialized
            and self._fail_on_first_breach
            and not self._storage_dead
            and not (self._meta_limits or self._on_breach)
            and not (manager._application_limits or manager._blueprint_limits)
            and not manager._blueprint_exemptions
        )

    def _only_defaults_apply(self, name: str, in_middleware: bool) -> bool:
        """The route is not exempt, and its own limits, if any, are all for other methods
        (then Flask-Limiter applies the defaults alone, whether or not they override them)."""
        manager = self.limit_manager
        if manager._route_exemptions.get(name):
            return False
        own = [] if in_middleware else manager.decorated_limits(name)
        return all(limit.method_exempt for limit in own)

    def _count_or_fall_back(self, defaults, endpoint, callable_name, in_middleware) -> None:
        try:
            self._count(defaults, endpoint)
        except RateLimitExceeded:
            raise
        except Exception:
            if not self._in_memory_fallback_enabled:
                if not self._swallow_errors:
                    raise
                self.logger.exception("Failed to rate limit. Swallowing error")
                return
            # As Flask-Limiter does: count in memory from now on, and say so.
            self.logger.warning(STORAGE_FAILED)
            self._storage_dead = True
            self.context.seen_limits.clear()
            super()._check_request_limit(callable_name, in_middleware)

    def _count(self, defaults: list, endpoint: str) -> None:
        """Each default limit hit as Flask-Limiter hits it, lowest first; a breach raises."""
        context = self.context
        counted = []
        for limit in sorted(defaults, key=lambda each: each.limit):
            if limit in context.seen_limits or limit.is_exempt or limit.method_exempt:
                continue
            args = [limit.key_func(), limit.scope_for(endpoint, flask.request.method)]
            if not all(args):
                self.logger.error(SKIPPED, limit.limit)
                continue
            if self._key_prefix:
                args.insert(0, self._key_prefix)
            counted.append(RequestLimit(self, limit.limit, args, False, limit.shared))
            context.view_rate_limits, context.view_rate_limit = counted, counted[0]
            if not self.limiter.hit(limit.limit, *args, cost=limit.deduction_amount):
                self.logger.info(EXCEEDED, limit.limit, *args[-2:])
                counted[-1].breached = True
                context.view_rate_limit = counted[-1]
                raise RateLimitExceeded(limit)
        context.seen_limits.update(defaults)


def _plain(defaults: list) -> bool:
    """No default limit asks for a deduction after the response, or a callback."""
    return not any(limit.deduct_when or limit.meta_limits or limit.on_breach for limit in defaults)


def _view_name(endpoint: str) -> str:
    view = flask.current_app.view_functions.get(endpoint)
    return get_qualified_name(view) if view else ""
