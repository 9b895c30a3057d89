"""What each role may do, in one table, and the Django groups that carry it.

The groups are created by data migrations (jvtracker 0002 and each later app's own
migration call :func:`sync_role_groups`); later issues narrow what a role *sees* in the
selectors, while these permissions say what it may *do* in the admin.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.apps import apps as global_apps

from jvtracker.choices import Role

PROJECT_APPS = ("jvtracker", "milestones", "datagov", "kpis", "reports")
# The programme itself: partners read it, nothing more.
PROGRAMME_MODELS = (
    "milestones.programme",
    "milestones.track",
    "milestones.milestone",
    "milestones.stagegate",
    "milestones.gatecriterion",
    "milestones.gatecondition",
    "milestones.deliverable",
)
# What a partner may do with their own organization's data governance; which rows they
# reach is narrowed to their organization by datagov.selectors.
PARTNER_DATA_PERMISSIONS = {
    "datagov.dataasset": {"view", "add", "change"},
    "datagov.datacontract": {"view", "add", "change"},
    "datagov.signeddocument": {"view", "add"},
    "datagov.contracttransition": {"view"},
    "datagov.contracttemplate": {"view"},
    # KPIs: the programme's definitions and targets read-only; their own organization's
    # measurements (pushed in batches) and incidents, narrowed by kpis.selectors.
    "kpis.kpidefinition": {"view"},
    "kpis.kpitarget": {"view"},
    "kpis.measurement": {"view", "add"},
    "kpis.ingestbatch": {"view"},
    "kpis.incident": {"view", "add", "change"},
}
# Append-only facts: written once by their service, never changed or deleted, not even by
# the PMO (a correction is a new row). Monthly values are derived by the ingest service.
APPEND_ONLY_MODELS = (
    "kpis.measurement",
    "kpis.ingestbatch",
    "kpis.monthlyvalue",
    # A report changes only through its worker, and a succeeded one never; downloads are
    # the log itself.
    "reports.report",
    "reports.reportdownload",
)
# API tokens: the PMO sees everyone's and revokes any (a lost laptop); nobody creates one
# for someone else, which would let them act as that person.
PMO_TOKEN_PERMISSIONS = {"knox.authtoken": {"view", "delete"}}
# Beyond reading: policy staff request stage-gate and other reports.
POLICY_EXTRA_PERMISSIONS = {"reports.report": {"add"}}


def _wanted_permissions(role: str, permissions: Iterable) -> set[int]:
    """Ids of the permissions ``role`` should hold, chosen by app, model and action."""
    wanted = set()
    for perm in permissions:
        app_label = perm.content_type.app_label
        model = perm.content_type.model
        action = perm.codename.split("_", 1)[0]
        if role == Role.PMO and action in PMO_TOKEN_PERMISSIONS.get(f"{app_label}.{model}", ()):
            wanted.add(perm.pk)
            continue
        if app_label not in PROJECT_APPS:
            continue
        is_history = model.startswith("historical")
        if role == Role.PMO:
            # History is evidence: nobody, the PMO included, may delete or edit it. Nor
            # may a user be deleted, which would blank their name on every history row
            # they wrote: deactivate them instead.
            append_only = f"{app_label}.{model}" in APPEND_ONLY_MODELS
            if (
                (not is_history or action == "view")
                and perm.codename != "delete_user"
                and not (append_only and action in ("change", "delete"))
            ):
                wanted.add(perm.pk)
        elif role == Role.POLICY:
            label = f"{app_label}.{model}"
            if action == "view" or action in POLICY_EXTRA_PERMISSIONS.get(label, ()):
                wanted.add(perm.pk)
        elif role == Role.PARTNER:
            label = f"{app_label}.{model}"
            if (action == "view" and label in PROGRAMME_MODELS) or action in (
                PARTNER_DATA_PERMISSIONS.get(label, ())
            ):
                wanted.add(perm.pk)
    return wanted


def sync_role_groups(apps=global_apps, schema_editor=None) -> None:
    """Create the three role groups and give each exactly its permissions. Idempotent."""
    from django.contrib.auth.management import create_permissions

    # Permissions are normally created after migrate; create them now so the groups
    # can hold them from this migration on.
    for app_config in apps.get_app_configs():
        original = getattr(app_config, "models_module", None)
        app_config.models_module = original or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = original

    group_model = apps.get_model("auth", "Group")
    permission_model = apps.get_model("auth", "Permission")
    permissions = list(permission_model.objects.select_related("content_type"))
    for role in Role:
        group, _ = group_model.objects.get_or_create(name=role.value)
        group.permissions.set(_wanted_permissions(role, permissions))


def noop(apps, schema_editor) -> None:
    """Reverse of sync_role_groups: groups are left in place."""


def reading_role(user) -> Role | None:
    """The role whose view of the data ``user`` gets, or None for nothing at all: the
    anonymous, the inactive and a partner without an organization see nothing. The
    selectors of every app narrow their querysets by it."""
    if not user.is_authenticated or not user.is_active:
        return None
    if user.is_pmo:
        return Role.PMO
    if user.is_policy_staff:
        return Role.POLICY
    if user.is_partner and user.organization_id is not None:
        return Role.PARTNER
    return None
