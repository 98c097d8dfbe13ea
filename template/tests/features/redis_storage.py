"""Production needs REDIS_URL (SEC021); the tests' counters stay in memory all the same."""

PRODUCTION_SETTINGS = {
    "REDIS_URL": "redis://127.0.0.1:1/0",  # never asked
    "RATELIMIT_STORAGE_URI": "memory://",
}
