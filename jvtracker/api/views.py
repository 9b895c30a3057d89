"""Tokens, the signed-in user, and the consortium's organizations."""

from __future__ import annotations

from django.contrib.auth import authenticate
from django.contrib.auth.signals import user_logged_in
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from knox.models import get_token_model
from knox.settings import knox_settings
from rest_framework import exceptions, status
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from jvtracker.api.auth import LoginAddressThrottle, LoginUsernameThrottle
from jvtracker.api.filters import OrganizationFilterSet
from jvtracker.api.serializers import (
    MeSerializer,
    OrganizationSerializer,
    TokenInfoSerializer,
    TokenRequestSerializer,
    TokenSerializer,
)
from jvtracker.common.api.viewsets import ServiceViewSet
from jvtracker.models import Organization
from jvtracker.selectors import organizations_visible_to
from jvtracker.services import organization_save


class TokenView(APIView):
    """``POST`` a username and password for a new token; ``DELETE`` revokes the token the
    request is made with."""

    throttle_classes = [LoginAddressThrottle, LoginUsernameThrottle]

    def get_permissions(self):
        # Obtaining a token is the one operation without credentials.
        return [AllowAny()] if self.request.method == "POST" else [IsAuthenticated()]

    def get_throttles(self):
        return super().get_throttles() if self.request.method == "POST" else []

    @extend_schema(
        operation_id="auth_token_create",
        tags=["auth"],
        summary="Obtain a token",
        request=TokenRequestSerializer,
        responses={201: TokenSerializer},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        user = authenticate(
            request._request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if user is None or not user.is_active:
            # One answer for a wrong password and an unknown user: no account enumeration.
            raise exceptions.AuthenticationFailed(_("Wrong username or password."))
        model = get_token_model()
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        live = model.objects.filter(user=user).filter(
            Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True)
        )
        if limit is not None and live.count() >= limit:
            raise exceptions.PermissionDenied(
                _("You hold %(limit)s tokens already; revoke one first.") % {"limit": limit}
            )
        instance, token = model.objects.create(
            user=user, expiry=knox_settings.TOKEN_TTL, prefix=knox_settings.TOKEN_PREFIX
        )
        user_logged_in.send(sender=user.__class__, request=request._request, user=user)
        return Response(
            TokenSerializer(
                {"token": token, "token_key": instance.token_key, "expiry": instance.expiry}
            ).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        operation_id="auth_token_revoke",
        tags=["auth"],
        summary="Revoke the token this request is made with",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request) -> Response:
        if not isinstance(request.auth, get_token_model()):
            raise exceptions.ValidationError(
                {"Authorization": [_("This request was not made with a token.")]}
            )
        request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(APIView):
    """The signed-in user's live tokens."""

    @extend_schema(
        operation_id="auth_tokens_list",
        tags=["auth"],
        summary="List my tokens",
        responses={200: TokenInfoSerializer(many=True)},
    )
    def get(self, request: Request) -> Response:
        tokens = (
            get_token_model()
            .objects.filter(user=request.user)
            .filter(Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True))
            .order_by("-created")
        )
        current = getattr(request.auth, "digest", None)
        data = [
            {
                "token_key": t.token_key,
                "created": t.created,
                "expiry": t.expiry,
                "current": t.digest == current,
            }
            for t in tokens
        ]
        return Response(TokenInfoSerializer(data, many=True).data)


class TokenDetailView(APIView):
    @extend_schema(
        operation_id="auth_tokens_revoke",
        tags=["auth"],
        summary="Revoke one of my tokens",
        request=None,
        responses={204: None},
    )
    def delete(self, request: Request, token_key: str) -> Response:
        # A key names a token, but is not unique: two tokens may share one (knox finds the
        # right one by digest). Revoke every token of mine it names.
        deleted, _rows = (
            get_token_model().objects.filter(user=request.user, token_key=token_key).delete()
        )
        if not deleted:
            raise exceptions.NotFound()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(APIView):
    @extend_schema(operation_id="me_retrieve", tags=["auth"], responses={200: MeSerializer})
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user).data)


class OrganizationViewSet(ServiceViewSet):
    """The JV's members, its funder and the JV itself; partners see their own only."""

    selector = organizations_visible_to
    serializer_class = OrganizationSerializer
    filterset_class = OrganizationFilterSet
    ordering_fields = ["code", "kind", "industry"]
    ordering = ["code"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def save_object(self, instance: Organization, data: dict, *, created: bool) -> Organization:
        return organization_save(organization=instance, actor=self.request.user)
