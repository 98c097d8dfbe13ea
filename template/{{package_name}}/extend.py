"""Your changes to the template's hardening. This module is yours: `copier update` never
rewrites it (copier.yml, _skip_if_exists), while the modules marked "Owned by the template"
are rewritten by each update. Change their behaviour from here, and updates stay clean."""

# Sources to add to a directive of the Content-Security-Policy (security.py), e.g. images
# from a CDN:  CSP_SOURCES = {"img-src": ["https://cdn.example.com"]}
CSP_SOURCES: dict[str, list[str]] = {}

# Rate limits on every page, on top of RATELIMIT_DEFAULT, e.g. ["2000 per day"].
RATE_LIMITS: list[str] = []

# Settings for every environment, applied over config.py's and before the production checks
# (checks.py), e.g. {"PERMANENT_SESSION_LIFETIME": timedelta(hours=8)}.
SETTINGS: dict[str, object] = {}
