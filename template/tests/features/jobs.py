"""Production looks for a worker in Redis; the tests' jobs run at once instead (tests/test_jobs.py
runs them through a queue)."""

PRODUCTION_SETTINGS = {"JOBS_RUN_AT_ONCE": "true"}
