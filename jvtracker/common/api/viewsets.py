"""The viewset that reads through selectors and writes through services."""

from __future__ import annotations

from collections.abc import Callable

from django.db import models
from rest_framework import mixins
from rest_framework.viewsets import GenericViewSet

from jvtracker.common.api.filters import StrictFilterBackend, StrictOrderingFilter
from jvtracker.common.api.permissions import RolePermissions
from jvtracker.models import User


class ServiceViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    GenericViewSet,
):
    """List, read, create and update; every row from ``selector(user)``, every write
    through ``save_object``, which subclasses implement with their app's service.

    Nothing is deleted through the API: a row is closed, withdrawn or terminated by its
    service, and deletion stays in the admin, where a confirmation page shows what goes.
    Subclasses without writes set ``http_method_names = ["get", "head", "options"]``.
    """

    selector: Callable[[User], models.QuerySet]
    permission_classes = [RolePermissions]
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]

    def get_queryset(self) -> models.QuerySet:
        # A staticmethod-like call: the selector is stored as a plain function.
        return type(self).selector(self.request.user)

    def save_object(self, instance: models.Model, data: dict, *, created: bool) -> models.Model:
        raise NotImplementedError

    def perform_create(self, serializer) -> None:
        model = serializer.Meta.model
        serializer.instance = self._save(serializer, model(), created=True)

    def perform_update(self, serializer) -> None:
        serializer.instance = self._save(serializer, serializer.instance, created=False)

    def _save(self, serializer, instance: models.Model, *, created: bool) -> models.Model:
        data = dict(serializer.validated_data)
        many = {f.name for f in instance._meta.many_to_many}
        for name, value in data.items():
            if name not in many:
                setattr(instance, name, value)
        return self.save_object(instance, data, created=created)
