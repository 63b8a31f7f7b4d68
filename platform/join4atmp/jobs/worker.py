"""The consumer process: every area's jobs registered, the model loaded once, then huey's consumer."""

import importlib
import logging

from flask import current_app

from ..core.queue import enqueue, huey

# The modules that declare jobs; the consumer imports them all so that it knows every job.
TASK_MODULES = (
    "core.mail",
    "notifications.tasks",
    "matching.tasks",
    "questions.tasks",
    "webinars.tasks",
    "privacy.tasks",
)


def load_tasks():
    return [importlib.import_module(f"join4atmp.{name}") for name in TASK_MODULES]


def warm_up():
    """Load the sentence model and bring this process's vector index up to date, before any request or
    job needs them (the first one would otherwise wait seconds, or time out)."""
    from ..matching.spaces import indexed_spaces, live_index, space_encoder, spaces
    from ..search.language import language_of

    for space in spaces():
        space_encoder(space).encode_one("warm-up")
    for space in indexed_spaces():
        live_index(space).current()
    language_of("warm-up")


def run(workers: int, periodic: bool = True):
    """Run the consumer until SIGINT (finish running jobs) or SIGTERM (stop at once)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    load_tasks()
    warm_up()
    from ..core.mail import deliver_due
    from ..matching.tasks import sweep_stale_evidence

    # A restarted worker picks up at once what a killed one left, rather than at the next minute.
    enqueue(deliver_due)
    enqueue(sweep_stale_evidence)
    current_app.logger.info(
        "Job worker: %d threads, periodic jobs %s, queue %s",
        workers,
        "on" if periodic else "off",
        type(huey.storage).__name__,
    )
    huey.create_consumer(workers=workers, periodic=periodic, worker_type="thread").run()
