"""make demo: embedded SQLite, Celery eager unless a broker is configured."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = env.bool("DJANGO_DEBUG", default=True)

# The embedded SQLite database and private files live here.
VAR_DIR.mkdir(exist_ok=True)
