"""Serializers that refuse what they do not take."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jvtracker.models import User


class StrictSerializerMixin:
    """Refuse fields the serializer does not take, rather than ignoring them: a misspelt
    ``titel`` would otherwise read as "no change", a read-only ``status`` as if it were set."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            writable = {name for name, f in self.fields.items() if not f.read_only}
            unknown = sorted(str(key) for key in data.keys() - writable)
            if unknown:
                raise serializers.ValidationError(
                    {
                        key: [
                            _("This field cannot be set.")
                            if key in self.fields
                            else _("Unknown field.")
                        ]
                        for key in unknown
                    }
                )
        return super().to_internal_value(data)


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(StrictSerializerMixin, serializers.ModelSerializer):
    pass


@extend_schema_field(OpenApiTypes.STR)
class VisibleSlugRelatedField(serializers.SlugRelatedField):
    """A reference by code (``slug_field``) to one of the rows ``selector(user)`` returns:
    one the user may not see is "does not exist", exactly like one that does not."""

    def __init__(self, selector: Callable[[User], QuerySet], **kwargs) -> None:
        self.selector = selector
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.selector(self.context["request"].user)


@extend_schema_field(OpenApiTypes.INT)
class VisiblePrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A reference by id to one of the rows ``selector(user)`` returns."""

    def __init__(self, selector: Callable[[User], QuerySet], **kwargs) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet:
        return self.selector(self.context["request"].user)
