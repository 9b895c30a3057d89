"""The consortium admin: organizations and users, saved through the services."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from jvtracker.choices import Industry, OrganizationKind, Role
from jvtracker.models import Organization, User
from tests.factories import OrganizationFactory, PMOUserFactory, PolicyUserFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "kumo-no-ue-2026!"


def _url(model: str, action: str, *args) -> str:
    return reverse(f"admin:jvtracker_{model}_{action}", args=args)


def _organization_data(**fields) -> dict[str, str]:
    data = {
        "code": "kobesteel",
        "name_ja": "神戸製鋼所",
        "name_en": "Kobe Steel",
        "kind": OrganizationKind.MINORITY_BACKER,
        "industry": Industry.STEEL,
        "equity_share": "",
        "equity_note": "",
        "role_description_ja": "",
        "role_description_en": "",
    }
    data.update(fields)
    return data


def _user_add_data(organization: Organization, **fields) -> dict[str, str]:
    data = {
        "username": "tanaka",
        "email": "tanaka@example.jp",
        "organization": str(organization.pk),
        "role": Role.PMO,
        "language": "ja",
        "usable_password": "true",
        "password1": PASSWORD,
        "password2": PASSWORD,
    }
    data.update(fields)
    return data


@pytest.fixture
def pmo(client):
    user = PMOUserFactory()
    client.force_login(user)
    return user


# ------------------------------------------------------------------------------ the pages


@pytest.mark.parametrize("model", ["organization", "user"])
def test_pmo_can_open_the_list_add_change_and_history_pages(client, pmo, model):
    obj = pmo.organization if model == "organization" else UserFactory()

    assert client.get(_url(model, "changelist")).status_code == 200
    assert client.get(_url(model, "add")).status_code == 200
    assert client.get(_url(model, "change", obj.pk)).status_code == 200
    assert client.get(_url(model, "history", obj.pk)).status_code == 200


def test_organizations_export_as_csv_by_code(client, pmo):
    OrganizationFactory(code="sony", name_ja="ソニーグループ")
    page = client.get(_url("organization", "export"))
    fields = {name: "on" for name in page.context["form"].fields if name.startswith("org")}

    response = client.post(
        _url("organization", "export"), {"format": "0", "resource": "0", **fields}
    )

    assert response.status_code == 200
    text = response.content.decode("utf-8-sig")
    assert "sony" in text and "ソニーグループ" in text


def test_the_user_export_never_contains_password_hashes(client, pmo):
    page = client.get(_url("user", "export"))
    fields = {name: "on" for name in page.context["form"].fields if name.startswith("user")}

    response = client.post(_url("user", "export"), {"format": "0", "resource": "0", **fields})

    text = response.content.decode("utf-8-sig")
    assert pmo.username in text
    assert pmo.organization.code in text
    assert "md5$" not in text and pmo.password not in text


def test_a_partner_is_sent_to_the_login_page(client):
    client.force_login(UserFactory())

    response = client.get(_url("organization", "changelist"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_policy_staff_can_view_organizations_but_get_403_on_change(client):
    organization = OrganizationFactory(name_en="Honda")
    client.force_login(PolicyUserFactory())

    assert client.get(_url("organization", "change", organization.pk)).status_code == 200
    response = client.post(
        _url("organization", "change", organization.pk),
        _organization_data(code=organization.code, name_en="Changed"),
    )

    assert response.status_code == 403
    organization.refresh_from_db()
    assert organization.name_en == "Honda"


# ----------------------------------------------------------------------------- organizations


def test_equity_shares_over_100_percent_are_rejected_on_equity_share(client, pmo):
    OrganizationFactory(code="softbank", equity_share=Decimal("60"))

    response = client.post(_url("organization", "add"), _organization_data(equity_share="50"))

    assert response.status_code == 200
    assert "equity_share" in response.context["adminform"].form.errors
    assert not Organization.objects.filter(code="kobesteel").exists()


def test_an_organization_saved_in_the_admin_names_the_admin_user_in_history(client, pmo):
    response = client.post(_url("organization", "add"), _organization_data(equity_share="12.5"))

    assert response.status_code == 302
    organization = Organization.objects.get(code="kobesteel")
    assert organization.equity_share == Decimal("12.5")
    assert organization.history.first().history_user == pmo


# ------------------------------------------------------------------------------------- users


def test_the_add_user_form_asks_for_organization_and_role(client, pmo):
    form = client.get(_url("user", "add")).context["adminform"].form

    assert {"organization", "role", "email"} <= set(form.fields)


def test_a_user_added_in_the_admin_gets_the_role_group_staff_status_and_password(client, pmo):
    organization = OrganizationFactory(code="nec")

    response = client.post(_url("user", "add"), _user_add_data(organization, role=Role.POLICY))

    assert response.status_code == 302
    user = User.objects.get(username="tanaka")
    assert user.organization == organization and user.role == Role.POLICY
    assert user.check_password(PASSWORD)
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [Role.POLICY]
    assert user.history.first().history_user == pmo


def test_a_role_change_in_the_admin_moves_the_user_to_the_new_group(client, pmo):
    user = UserFactory(role=Role.PARTNER)
    page = client.get(_url("user", "change", user.pk))
    form = page.context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields if name != "password"}
    data.update(role=Role.POLICY, is_active="on", organization=str(user.organization_id))

    response = client.post(_url("user", "change", user.pk), data)

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.role == Role.POLICY
    assert user.is_staff
    assert list(user.groups.values_list("name", flat=True)) == [Role.POLICY]
    assert user.history.first().history_user == pmo


def test_groups_staff_status_and_permissions_are_not_editable_in_the_admin(client, pmo):
    user = UserFactory()

    form = client.get(_url("user", "change", user.pk)).context["adminform"].form

    assert not {"groups", "user_permissions", "is_staff"} & set(form.fields)


def test_a_pmo_cannot_make_anyone_a_superuser(client, pmo):
    form = client.get(_url("user", "change", pmo.pk)).context["adminform"].form

    assert "is_superuser" not in form.fields


def test_a_pmo_cannot_change_a_superuser(client, pmo):
    root = UserFactory(is_superuser=True, role=Role.PMO)

    assert client.get(_url("user", "change", root.pk)).status_code == 200  # view only
    response = client.post(
        reverse("admin:auth_user_password_change", args=[root.pk]),
        {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 403


def test_a_superuser_may_grant_superuser_status(client):
    # Not pytest-django's admin_client: its createsuperuser call has no organization.
    client.force_login(UserFactory(is_superuser=True, role=Role.PMO))
    user = UserFactory()

    form = client.get(_url("user", "change", user.pk)).context["adminform"].form

    assert "is_superuser" in form.fields


def test_a_password_set_in_the_admin_goes_through_the_service(client, pmo):
    user = UserFactory()
    Group.objects.filter(name=user.role).get().user_set.remove(user)

    response = client.post(
        reverse("admin:auth_user_password_change", args=[user.pk]),
        {"password1": PASSWORD, "password2": PASSWORD, "usable_password": "true"},
    )

    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(PASSWORD)
    # user_save re-syncs the role group, so the service ran.
    assert list(user.groups.values_list("name", flat=True)) == [user.role]
    assert user.history.first().history_user == pmo


def test_a_superuser_from_the_admin_client_fixture_opens_the_admin(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    assert response.context["user"].organization is not None


def test_users_are_deactivated_not_deleted_even_by_a_superuser(admin_client):
    partner = UserFactory()

    response = admin_client.post(f"/admin/jvtracker/user/{partner.pk}/delete/", {"post": "yes"})

    assert response.status_code == 403
    assert User.objects.filter(pk=partner.pk).exists()
