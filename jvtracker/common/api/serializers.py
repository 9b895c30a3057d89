"""Serializers that refuse what they do not take."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework import serializers


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
