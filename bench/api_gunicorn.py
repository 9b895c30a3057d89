"""gunicorn hooks of the API benchmark (bench/api.py), used only with ``--gc-threshold``:
each worker's first-generation garbage-collection threshold, set once the worker has
loaded the app, to measure what the collector costs the API's requests. Production runs
with Python's default (700)."""

import gc
import os


def post_worker_init(worker) -> None:
    threshold = int(os.environ["BENCH_GC_THRESHOLD"])
    _, second, third = gc.get_threshold()
    gc.set_threshold(threshold, second, third)
    worker.log.info("gc threshold %s", gc.get_threshold())
