"""Token authentication and login throttling for scripts.

Tokens are knox's: only a SHA-512 digest is stored, each has an expiry
(``API_TOKEN_TTL_DAYS``), and a user may hold several (one per script) and revoke each.
"""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from rest_framework import exceptions
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's, refusing a token that is not plain ASCII as invalid rather than failing."""

    def authenticate_credentials(self, token: bytes):
        try:
            token.decode("ascii")
        except UnicodeDecodeError:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        return super().authenticate_credentials(token)


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "jvtracker.api.auth.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": _("“Token ” followed by a token from POST /api/v1/auth/token/."),
        }


class LoginAddressThrottle(SimpleRateThrottle):
    """Attempts to obtain a token from one client address."""

    scope = "login_address"

    def get_cache_key(self, request: Request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class LoginUsernameThrottle(SimpleRateThrottle):
    """Attempts on one username, from wherever they come: guessing from many addresses."""

    scope = "login_username"

    def get_cache_key(self, request: Request, view) -> str | None:
        # The API's parsed body, or a sign-in page's form.
        data = getattr(request, "data", request.POST)
        username = data.get("username") if hasattr(data, "get") else None
        if not isinstance(username, str) or not username:
            return None
        # A digest: a fixed-length key whatever the name (cache backends limit key length).
        ident = hashlib.sha256(
            username.strip().casefold()[:150].encode("utf-8", "replace")
        ).hexdigest()
        return self.cache_format % {"scope": self.scope, "ident": ident}
