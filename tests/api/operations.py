"""The API's operations as its generated OpenAPI schema lists them."""

from __future__ import annotations

import re

from django.utils import translation
from drf_spectacular.generators import SchemaGenerator

HTTP_METHODS = ("get", "post", "put", "patch", "delete")
PARAMETER = re.compile(r"\{([^}]+)\}")


def generated_schema() -> dict:
    """The schema as ``make schema`` writes it (in English), as a dict."""
    with translation.override("en"):
        return SchemaGenerator().get_schema(request=None, public=True)


def operations(schema: dict) -> dict[tuple[str, str], dict]:
    """Every operation, keyed by (METHOD, path template)."""
    return {
        (method.upper(), path): operation
        for path, item in schema["paths"].items()
        for method, operation in item.items()
        if method in HTTP_METHODS
    }


def path_parameters(path: str) -> list[str]:
    return PARAMETER.findall(path)


def is_list(schema: dict, path: str, operation: dict) -> bool:
    """A GET answering many rows: a paginated page or a JSON array."""
    if path_parameters(path) and path.endswith("}/"):
        return False
    response = operation.get("responses", {}).get("200", {})
    body = response.get("content", {}).get("application/json", {}).get("schema", {})
    if body.get("type") == "array":
        return True
    ref = body.get("$ref", "")
    if ref:
        component = schema["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        properties = component.get("properties", {})
        return properties.get("results", {}).get("type") == "array"
    return False
