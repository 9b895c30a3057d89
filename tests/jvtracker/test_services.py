"""The consortium's rules: equity shares and one role per user."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from jvtracker.choices import Role
from jvtracker.models import Organization, User
from jvtracker.services import organization_save, user_save
from tests.factories import OrganizationFactory, PMOUserFactory

pytestmark = pytest.mark.django_db


def test_equity_shares_adding_up_to_more_than_100_percent_are_rejected():
    OrganizationFactory(code="softbank", equity_share=Decimal("60"))
    newcomer = OrganizationFactory.build(code="nec", equity_share=Decimal("40.01"))

    with pytest.raises(ValidationError) as error:
        organization_save(organization=newcomer, actor=None)

    assert "equity_share" in error.value.message_dict
    assert not Organization.objects.filter(code="nec").exists()


def test_equity_shares_of_exactly_100_percent_are_accepted():
    OrganizationFactory(code="softbank", equity_share=Decimal("60"))
    organization_save(
        organization=OrganizationFactory.build(code="nec", equity_share=Decimal("40")), actor=None
    )
    assert Organization.objects.count() == 2


def test_changing_an_organization_does_not_count_its_own_share_twice():
    sony = OrganizationFactory(code="sony", equity_share=Decimal("90"))
    sony.equity_share = Decimal("95")
    organization_save(organization=sony, actor=None)
    sony.refresh_from_db()
    assert sony.equity_share == Decimal("95")


def test_organization_change_records_the_acting_user():
    pmo = PMOUserFactory()
    org = OrganizationFactory(code="honda")
    org.name_en = "Honda Motor Co., Ltd."
    organization_save(organization=org, actor=pmo)
    assert org.history.first().history_user == pmo


@pytest.mark.parametrize("role", Role.values)
def test_a_user_belongs_to_exactly_the_group_of_their_role(role):
    user = User(username="tanaka", organization=OrganizationFactory(), role=role)
    user_save(user=user, actor=None, password="a-long-demo-password")

    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert user.check_password("a-long-demo-password")
    assert user.is_staff == (role in (Role.PMO, Role.POLICY))


def test_changing_a_role_moves_the_user_to_the_new_group():
    user = User(username="suzuki", organization=OrganizationFactory(), role=Role.PARTNER)
    user_save(user=user, actor=None, password="a-long-demo-password")

    user.role = Role.POLICY
    user_save(user=user, actor=None)

    assert list(user.groups.values_list("name", flat=True)) == [Role.POLICY]


def test_a_user_needs_an_organization_and_a_known_role():
    with pytest.raises(ValidationError) as error:
        user_save(user=User(username="nobody", role="admin"), actor=None)
    assert {"organization", "role"} <= set(error.value.message_dict)
    assert not User.objects.filter(username="nobody").exists()


def test_user_history_never_stores_the_password_hash():
    user = User(username="kato", organization=OrganizationFactory(), role=Role.PARTNER)
    user_save(user=user, actor=None, password="a-long-demo-password")
    assert not hasattr(user.history.first(), "password")


def test_logging_in_updates_last_login_without_a_history_row(client):
    user = PMOUserFactory(username="yamada")
    rows_before = user.history.count()

    assert client.login(username="yamada", password="correct-horse-battery")

    user.refresh_from_db()
    assert user.last_login is not None
    assert user.history.count() == rows_before


def test_only_a_superuser_may_promote_or_change_a_superuser():
    from django.core.exceptions import PermissionDenied

    pmo = PMOUserFactory()
    colleague = PMOUserFactory(username="ito")
    root = PMOUserFactory(username="root", is_superuser=True)

    colleague.is_superuser = True
    with pytest.raises(PermissionDenied):
        user_save(user=colleague, actor=pmo)
    root.email = "taken-over@example.jp"
    with pytest.raises(PermissionDenied):
        user_save(user=root, actor=pmo, password="a-long-new-password")

    colleague.refresh_from_db()
    root.refresh_from_db()
    assert not colleague.is_superuser
    assert root.email != "taken-over@example.jp"
    colleague.is_superuser = True
    user_save(user=colleague, actor=root)  # a superuser may
    colleague.refresh_from_db()
    assert colleague.is_superuser
