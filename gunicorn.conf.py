"""gunicorn settings for the JOIN4ATMP web processes: `gunicorn -c gunicorn.conf.py` (make run uses it too).

Every setting can be overridden on the command line or in GUNICORN_CMD_ARGS; the few that deployments
change most are read from the environment below.
"""

import os

wsgi_app = "join4atmp:create_app()"
bind = os.environ.get("JOIN4ATMP_BIND", "127.0.0.1:5000")
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "gthread"
threads = int(os.environ.get("JOIN4ATMP_WEB_THREADS", "2"))
# A request never waits on SMTP or the model's bulk work (the job worker does those), so 30 s is far more
# than any page needs; boot has its own allowance for loading the model (post_worker_init below).
timeout = 60
graceful_timeout = 30
keepalive = 5
max_requests = 5000  # recycle workers now and then; jitter keeps them from restarting together
max_requests_jitter = 500
worker_tmp_dir = "/dev/shm" if os.path.isdir("/dev/shm") else None
accesslog = "-"
errorlog = "-"
loglevel = os.environ.get("JOIN4ATMP_LOG_LEVEL", "info")
access_log_format = '%(h)s "%(r)s" %(s)s %(b)s %(M)sms'


def post_worker_init(worker):
    """Load the sentence model and the vector index before this worker takes its first request: the
    kernel holds connections for a warming worker, so no request pays for (or times out on) the load."""
    app = worker.wsgi
    if app.import_name != "join4atmp":  # bench/pages.py serves its hello-world baseline with this file too
        return
    with app.app_context():
        from join4atmp.jobs.worker import warm_up

        warm_up()
    worker.log.info("Worker %s warm: model and index loaded", worker.pid)
