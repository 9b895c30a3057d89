"""The API's JSON parser."""

from __future__ import annotations

import json

from django.conf import settings
from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.parsers import JSONParser
from rest_framework.utils.json import strict_constant

from jvtracker.common.api.errors import BodyTooLarge


class LimitedJSONParser(JSONParser):
    """JSON of at most ``DATA_UPLOAD_MAX_MEMORY_SIZE`` bytes.

    Refused as a parse error: NaN and Infinity literals (not JSON), nesting deep enough to
    exhaust the parser, and strings that are not Unicode text (lone surrogates such as
    ``"\\ud800"``, which no database can store).

    DRF reads a JSON body through ``request.body``, where Django enforces the limit
    (raising RequestDataTooBig, answered as :class:`BodyTooLarge`). Reading at most one
    byte past the limit here keeps the bound should the parser be handed a raw stream.
    """

    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        body = stream.read() if limit is None else stream.read(limit + 1)
        if limit is not None and len(body) > limit:
            view = (parser_context or {}).get("view")
            raise BodyTooLarge(getattr(view, "body_too_large_hint", ""))
        try:
            data = json.loads(body, parse_constant=strict_constant)
        except (ValueError, UnicodeDecodeError) as error:
            raise exceptions.ParseError(
                _("The body is not valid JSON: %(error)s") % {"error": error}
            ) from None
        except RecursionError:
            raise exceptions.ParseError(_("The body's JSON is nested too deeply.")) from None
        if "\\u" in body.decode("utf-8", "replace"):
            # Only an escape can smuggle in a lone surrogate; check then, not always.
            try:
                json.dumps(data, ensure_ascii=False).encode("utf-8")
            except UnicodeEncodeError:
                raise exceptions.ParseError(
                    _("The body's JSON holds an escaped surrogate (\\ud800–\\udfff) alone.")
                ) from None
        return data
