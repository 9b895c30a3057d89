"""Settings of the API benchmark's gunicorn (bench/api.py): production's, with the plain
comparison views added to the URLs.

Production's settings read every secret from the environment, which bench/api.py sets
(a random ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``DATABASE_URL``), with
``SECURE_SSL_REDIRECT=false`` as compose allows: the server is plain HTTP on the loopback,
with no TLS proxy in front to redirect to. Everything else a request passes through
(middleware, WhiteNoise, persistent database connections, DEBUG off, the REST framework's
settings) is production's.
"""

from jvtracker.settings.production import *  # noqa: F403

ROOT_URLCONF = "bench.api_urls"
