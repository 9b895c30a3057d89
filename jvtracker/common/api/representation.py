"""Reading a model serializer's fields without DRF's per-field machinery.

A page of 100 rows with nested targets or transitions calls DRF's ``get_attribute`` and
``to_representation`` thousands of times; for plain columns both are a getattr. The plan
below is built once per serializer instance: plain columns and foreign-key ids are read
directly, references by code through the related object, nested serializers recurse;
every other field (dates and times, decimals, method fields, dotted sources, properties)
goes through DRF exactly as before, so the output is the same.
"""

from __future__ import annotations

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import Prefetch, QuerySet
from rest_framework import relations, serializers
from rest_framework.fields import SkipField

PREFETCHED = "{}_prefetched"


def prefetched_list(lookup: str, queryset: QuerySet) -> Prefetch:
    """Prefetch ``lookup`` into a plain list (``<lookup>_prefetched``), which nested
    serializers read in place of the related manager.

    Django's ordinary prefetch clones the given queryset once per parent row to back
    ``parent.<lookup>.all()``; with 100 rows and three prefetches that cloning cost more
    than everything else in a page. A list costs nothing per row.
    """
    return Prefetch(lookup, queryset=queryset, to_attr=PREFETCHED.format(lookup))


# Columns whose value DRF hands out unchanged (str, int, float, bool).
_PLAIN_MODEL_FIELDS = (
    models.CharField,  # SlugField, EmailField and TextField's siblings
    models.TextField,
    models.IntegerField,  # the small, positive and big ones too
    models.FloatField,
    models.BooleanField,
)
_PLAIN_SERIALIZER_FIELDS = (
    serializers.CharField,
    serializers.ChoiceField,
    serializers.IntegerField,
    serializers.FloatField,
    serializers.BooleanField,
)


def _plain_column(model: type[models.Model], source: str) -> bool:
    try:
        field = model._meta.get_field(source)
    except FieldDoesNotExist:
        return False
    return isinstance(field, _PLAIN_MODEL_FIELDS) and not field.is_relation


def _relation(model: type[models.Model], source: str) -> bool:
    try:
        return model._meta.get_field(source).is_relation
    except FieldDoesNotExist:
        return False


class FastRepresentationMixin:
    """For ``ModelSerializer`` subclasses: the same representation, read faster."""

    def to_representation(self, instance):
        plan = self.__dict__.get("_fast_plan")
        if plan is None:
            plan = self._fast_plan = self._representation_plan()
        ret = {}
        for name, kind, arg, field in plan:
            if kind == "column":
                ret[name] = getattr(instance, arg)
            elif kind == "slug":
                related = getattr(instance, arg[0])
                ret[name] = None if related is None else getattr(related, arg[1])
            elif kind == "many":
                items = instance.__dict__.get(PREFETCHED.format(arg))
                if items is None:
                    items = getattr(instance, arg).all()
                ret[name] = [field.child.to_representation(item) for item in items]
            else:
                try:
                    attribute = field.get_attribute(instance)
                except SkipField:
                    continue
                check = attribute.pk if isinstance(attribute, relations.PKOnlyObject) else attribute
                ret[name] = None if check is None else field.to_representation(attribute)
        return ret

    def _representation_plan(self) -> list[tuple]:
        model = self.Meta.model
        plan = []
        for field in self._readable_fields:
            source = field.source
            name = field.field_name
            if (
                isinstance(field, _PLAIN_SERIALIZER_FIELDS)
                and "." not in source
                and _plain_column(model, source)
                # A column DRF would convert (a choice stored as text of a number).
                and not (
                    isinstance(field, serializers.ChoiceField)
                    and not all(str(key) == key or isinstance(key, int) for key in field.choices)
                )
            ):
                plan.append((name, "column", source, field))
            elif (
                isinstance(field, relations.SlugRelatedField)
                and "." not in source
                and "__" not in field.slug_field
            ):
                plan.append((name, "slug", (source, field.slug_field), field))
            elif (
                isinstance(field, serializers.ListSerializer)
                and isinstance(field.child, FastRepresentationMixin)
                and "." not in source
                and _relation(model, source)
            ):
                plan.append((name, "many", source, field))
            else:
                plan.append((name, "drf", None, field))
        return plan
