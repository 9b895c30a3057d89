"""Serializers that refuse what they do not take."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import QuerySet
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from jvtracker.common.api.representation import FastRepresentationMixin
from jvtracker.models import User


class StrictSerializerMixin:
    """Refuse fields the serializer does not take, rather than ignoring them: a misspelt
    ``titel`` would otherwise read as "no change", a read-only ``status`` as if it were set.

    Refuse, too, a JSON value of another type than the schema gives the field, and in a
    query string (or form) a parameter given twice or given empty where the field takes
    no blank: DRF would read each of them as something the client did not send."""

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
            errors = (
                self._form_errors(data)
                if isinstance(data, MultiValueDict)
                else {
                    name: messages
                    for name, value in data.items()
                    if (messages := _type_errors(self.fields[name], value))
                }
            )
            if errors:
                # With every other field's own errors, as DRF would name them.
                try:
                    super().to_internal_value(data)
                except serializers.ValidationError as invalid:
                    if isinstance(invalid.detail, dict):
                        errors = {**invalid.detail, **errors}
                raise serializers.ValidationError(errors)
        return super().to_internal_value(data)

    def _form_errors(self, data: MultiValueDict) -> dict[str, list[str]]:
        errors = {}
        for name in data:
            values = data.getlist(name)
            field = self.fields[name]
            messages = []
            if len(values) > 1 and not isinstance(
                field, (serializers.ListField, serializers.ManyRelatedField)
            ):
                messages.append(_("Give this parameter once."))
            if "" in values and not getattr(field, "allow_blank", False):
                messages.append(_("Give a value, or leave the parameter out."))
            if messages:
                errors[name] = messages
        return errors


class StrictSerializer(StrictSerializerMixin, serializers.Serializer):
    pass


class StrictModelSerializer(
    StrictSerializerMixin, FastRepresentationMixin, serializers.ModelSerializer
):
    pass


class ReadModelSerializer(FastRepresentationMixin, serializers.ModelSerializer):
    """A nested, read-only model serializer, read as fast as the strict ones."""


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


# JSON types, as the schema gives them: DRF reads 12 as the text "12", "3" as the number
# 3 and "yes" as true, so a client sending the wrong type would be answered as if it had
# not. (Multipart and query bodies are text by nature and are left to the fields.)
def _expected_type(field: serializers.Field) -> tuple[tuple[type, ...], str] | None:
    if isinstance(field, (serializers.CharField, serializers.SlugRelatedField)):
        return (str,), _("Expected text.")
    if isinstance(field, serializers.DecimalField):
        # Decimals are exchanged as text (the schema's "format: decimal"), never rounded
        # through a float.
        return (str,), _('Expected a decimal number written as text, e.g. "12.50".')
    if isinstance(field, serializers.ChoiceField):
        kinds = {type(key) for key in field.choices}
        if kinds == {int}:
            return (int,), _("Expected a whole number.")
        if kinds <= {str}:
            return (str,), _("Expected text.")
        return None
    if isinstance(field, serializers.BooleanField):
        return (bool,), _("Expected true or false.")
    if isinstance(field, (serializers.IntegerField, serializers.PrimaryKeyRelatedField)):
        return (int,), _("Expected a whole number.")
    if isinstance(field, serializers.FloatField):
        return (int, float), _("Expected a number.")
    return None


def _type_errors(field: serializers.Field, value: object) -> list[str]:
    if value is None:
        return []  # whether null is allowed is the field's own business
    if isinstance(field, serializers.ManyRelatedField):
        child = field.child_relation
    elif isinstance(field, serializers.ListField):
        child = field.child
    else:
        expected = _expected_type(field)
        if expected is None:
            return []
        types, message = expected
        if isinstance(value, bool) and bool not in types:
            return [message]
        return [] if isinstance(value, types) else [message]
    if not isinstance(value, list):
        return []  # the field itself says a list is expected
    return sorted({message for item in value for message in _type_errors(child, item)})
