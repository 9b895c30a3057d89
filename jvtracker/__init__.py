# Import the Celery app so that workers and Django share one configuration and
# @shared_task binds to it.
from .celery import app as celery_app

__all__ = ["celery_app"]
