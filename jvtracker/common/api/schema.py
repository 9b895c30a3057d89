"""drf-spectacular's AutoSchema with the error responses of every operation."""

from __future__ import annotations

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiResponse

from jvtracker.common.api.errors import ErrorSerializer

ERROR_RESPONSES = {
    400: "The request is malformed or invalid; nothing was changed.",
    401: "No valid credentials: log in, or send `Authorization: Token …`.",
    403: "Your role may not do this.",
    404: "No such object, or not one you may see.",
    409: "The change conflicts with one made at the same moment.",
    429: "Too many requests; wait for the seconds in Retry-After.",
}


class ProjectAutoSchema(AutoSchema):
    """drf-spectacular's schema, with the error shape documented for every operation's
    4xx answers so clients and the fuzzer can hold every response to the schema."""

    def _get_response_bodies(self, direction: str = "response"):
        responses = super()._get_response_bodies(direction)
        method = self.method.upper()
        codes = [400, 401, 403, 404, 429]
        if method in ("POST", "PUT", "PATCH", "DELETE"):
            codes.append(409)
        for code in codes:
            key = str(code)
            if key not in responses:
                responses[key] = self._get_response_for_code(
                    OpenApiResponse(ErrorSerializer, description=ERROR_RESPONSES[code]),
                    key,
                    direction=direction,
                )
        return responses
