"""pytest: SQLite unless DATABASE_URL points at PostgreSQL (as .ci/run does)."""

from .base import *  # noqa: F403
from .base import VAR_DIR, env

DEBUG = False
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
PRIVATE_MEDIA_ROOT = env.path("PRIVATE_MEDIA_ROOT", default=VAR_DIR / "test-private")
MEDIA_ROOT = PRIVATE_MEDIA_ROOT
UPLOAD_MAX_BYTES = 1024 * 1024
# Tests opt in to a real broker explicitly (tests/conftest.py); everything else runs
# eagerly so a test never waits on a worker it did not start.
CELERY_TASK_ALWAYS_EAGER = True
