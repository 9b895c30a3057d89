"""What every app's API shares: the one error shape, the JSON parser, strict serializers,
pagination, role permissions, the viewset that writes through services, and the schema
class that documents all of it.

Every refusal of the API, whatever raised it, answers::

    {"code": "invalid", "message": "…", "errors": [{"row": null, "field": "title", "message": "…"}]}

``row`` numbers the element of a bulk request (from 1); it is null everywhere else.

Modules, kept apart because DRF imports the parser, pagination and schema classes named in
its settings while its own views are still loading: ``errors`` (the shape and the handler),
``parsers``, ``serializers``, ``pagination``, ``permissions``, ``viewsets``, ``schema``.
"""
