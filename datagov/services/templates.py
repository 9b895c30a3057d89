"""Contract template versions: drafts, publication, and new versions."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from datagov.choices import TemplateStatus
from datagov.models import ContractTemplate
from datagov.services.access import require_pmo
from jvtracker.common.services import validated_save
from jvtracker.models import User


@transaction.atomic
def template_save(*, template: ContractTemplate, actor: User | None) -> ContractTemplate:
    """Create or edit a draft template version; a published version never changes."""
    require_pmo(actor, _("Only the PMO may edit contract templates."))
    if template.pk:
        stored = ContractTemplate.objects.select_for_update().get(pk=template.pk)
        if stored.is_published:
            changed = [
                f
                for f in ContractTemplate.CONTENT_FIELDS
                if getattr(stored, f) != getattr(template, f)
            ]
            if changed or stored.status != template.status:
                raise ValidationError(
                    {
                        (changed[0] if changed else "status"): _(
                            "Version %(version)s of %(code)s is published and cannot change; "
                            "create a new version instead."
                        )
                        % {"version": stored.version, "code": stored.code}
                    },
                    code="published_template",
                )
            return stored
    else:
        template.status = TemplateStatus.DRAFT
        template.published_at = None
        template.published_by = None
    return validated_save(template, actor=actor)


@transaction.atomic
def template_publish(*, template: ContractTemplate, actor: User) -> ContractTemplate:
    """Publish a draft version; earlier published versions of the code are withdrawn for
    new contracts (contracts signed under them keep them)."""
    require_pmo(actor, _("Only the PMO may publish contract templates."))
    template = ContractTemplate.objects.select_for_update().get(pk=template.pk)
    if template.status != TemplateStatus.DRAFT:
        raise ValidationError({"status": _("Only a draft version can be published.")})
    template.full_clean()
    for older in ContractTemplate.objects.filter(
        code=template.code, status=TemplateStatus.PUBLISHED
    ).exclude(pk=template.pk):
        older.status = TemplateStatus.WITHDRAWN
        validated_save(older, actor=actor)
    template.status = TemplateStatus.PUBLISHED
    template.published_at = timezone.now()
    template.published_by = actor
    return validated_save(template, actor=actor)


@transaction.atomic
def template_new_version(*, template: ContractTemplate, actor: User) -> ContractTemplate:
    """A new draft version of ``template``'s code, starting from its text."""
    require_pmo(actor, _("Only the PMO may edit contract templates."))
    if ContractTemplate.objects.filter(code=template.code, status=TemplateStatus.DRAFT).exists():
        raise ValidationError(
            {"version": _("%(code)s already has a draft version.") % {"code": template.code}}
        )
    latest = ContractTemplate.objects.filter(code=template.code).aggregate(v=Max("version"))["v"]
    draft = ContractTemplate(
        **{f: getattr(template, f) for f in ContractTemplate.CONTENT_FIELDS if f != "version"},
        version=(latest or 0) + 1,
    )
    draft.permitted_uses = list(template.permitted_uses)
    return validated_save(draft, actor=actor)
