"""The project's API root (``/api/v1/``): authentication, the signed-in user, the
consortium's organizations, and each app's routes."""
