"""Running the background work: the queue's consumer (`flask jobs worker`), the process warm-up shared
with gunicorn, and the health report. The jobs themselves live in each area's tasks.py; the queue in
core/queue.py."""
