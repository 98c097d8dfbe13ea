"""Gunicorn settings, shared by every start command (see Procfile).

PORT and WEB_CONCURRENCY come from the platform; the defaults suit a small instance.
"""

import os

bind = f"0.0.0.0:{os.environ.get('PORT', '8000')}"
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))

# The platform's router gives up after 30 s; stop a stuck request before it does.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "25"))
graceful_timeout = 20
keepalive = 5

# Recycle workers now and then, so that a slow leak never takes a worker down.
max_requests = 1000
max_requests_jitter = 100

# Logs go to stdout/stderr, where the platform collects them. Each access line starts with
# the addresses the router saw (X-Forwarded-For) and carries its request id, as the app's
# own log lines do.
accesslog = "-"
errorlog = "-"
access_log_format = (
    '%({x-forwarded-for}i)s "%(r)s" %(s)s %(b)s %(M)sms request_id=%({x-request-id}i)s'
)

# The app reads the client's address and scheme through ProxyFix (see security.py).
forwarded_allow_ips = "127.0.0.1"
