"""Bodies of the project-level API: tokens, the signed-in user, organizations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from jvtracker.common.api.serializers import StrictModelSerializer, StrictSerializer
from jvtracker.models import Organization, User


class TokenRequestSerializer(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    name = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        help_text=_("Not stored; reserved for naming the script the token is for."),
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text=_("Send as “Authorization: Token <token>”. Shown once; only its digest is kept.")
    )
    token_key = serializers.CharField(help_text=_("The token's first characters, to name it."))
    expiry = serializers.DateTimeField(allow_null=True)


class TokenInfoSerializer(serializers.Serializer):
    token_key = serializers.CharField()
    created = serializers.DateTimeField()
    expiry = serializers.DateTimeField(allow_null=True)
    current = serializers.BooleanField(help_text=_("The token this request was made with."))


class OrganizationSerializer(StrictModelSerializer):
    class Meta:
        model = Organization
        fields = [
            "id",
            "code",
            "name_ja",
            "name_en",
            "kind",
            "industry",
            "equity_share",
            "equity_note",
            "provides_data",
            "role_description_ja",
            "role_description_en",
        ]


class MeSerializer(serializers.ModelSerializer):
    organization = serializers.SlugRelatedField(slug_field="code", read_only=True)
    reading_role = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "first_name",
            "last_name",
            "email",
            "role",
            "organization",
            "reading_role",
        ]

    def get_reading_role(self, user: User) -> str | None:
        from jvtracker.roles import reading_role

        role = reading_role(user)
        return role.value if role else None
