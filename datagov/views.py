"""Data-governance pages: contracts, contract-template documents and signed documents.

Partners are not staff, so these views sit outside the admin behind the plain login.
Every object is looked up through the selector of what the user may see: anything else,
drafts included, is a 404, indistinguishable from a missing row. Writes go through the
same services as the admin and the API, which hold the rules.
"""

from __future__ import annotations

import io
import logging

from django.contrib import admin, messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from datagov import documents, services
from datagov.choices import Allowance, ContractStatus, DataPurpose, DataTier, TemplateStatus
from datagov.fields import purpose_labels
from datagov.forms import ContractForm, SignedDocumentForm, add_service_errors
from datagov.models import DataContract
from datagov.policy import tier_rule
from datagov.selectors import (
    contract_transitions,
    contracts_visible_to,
    dataset_details_hidden_from,
    datasets_to_contract,
    datasets_visible_to,
    datasets_with_contracts,
    documents_visible_to,
    templates_current,
    templates_visible_to,
)
from datagov.services.access import may_act_for, may_draft_contracts
from jvtracker.choices import Role
from jvtracker.models import User
from jvtracker.roles import reading_role
from jvtracker.selectors import organizations_visible_to

logger = logging.getLogger(__name__)

# The document is self-contained (inline styles, no scripts, no external resources):
# a browser showing it needs to load nothing else.
DOCUMENT_CSP = "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"


def _document_language(request: HttpRequest) -> str:
    """``?lang=`` if it names a document language; the page's language if absent; else ja."""
    requested = request.GET.get("lang")
    if requested is None:
        requested = (get_language() or "").split("-")[0]
    return requested if requested in documents.DOCUMENT_LANGUAGES else "ja"


def _page_context() -> dict:
    return {"site_header": admin.site.site_header, "site_title": admin.site.site_title}


@require_safe
@login_required
def document_list(request: HttpRequest) -> TemplateResponse:
    """The template versions and signed documents the user may download."""
    templates = list(templates_visible_to(request.user).order_by("code", "-version"))
    replaced = [t for t in templates if t.status == TemplateStatus.WITHDRAWN]
    context = {
        **_page_context(),
        "title": _("Contract documents"),
        # A replaced version is kept for the contracts signed under it, apart from the
        # versions to sign now, so nobody signs an old one for a new contract.
        "templates": templates,
        "has_current": len(replaced) < len(templates),
        "has_replaced": bool(replaced),
        "signed_documents": documents_visible_to(request.user).order_by(
            "contract__reference", "-uploaded_at", "-pk"
        ),
        "languages": documents.DOCUMENT_LANGUAGES,
        "may_create": may_draft_contracts(request.user),
    }
    return TemplateResponse(request, "datagov/document_list.html", context)


@require_safe
@login_required
def template_document(request: HttpRequest, pk: int) -> HttpResponse:
    """A template version's document as HTML, shown in the browser."""
    template = get_object_or_404(templates_visible_to(request.user), pk=pk)
    language = _document_language(request)
    return HttpResponse(
        documents.template_document_html(template, language=language),
        content_type="text/html; charset=utf-8",
        headers={
            "Content-Language": language,
            "Content-Security-Policy": DOCUMENT_CSP,
            "Content-Disposition": 'inline; filename="{}"'.format(
                documents.template_document_filename(template, language=language, ext="html")
            ),
        },
    )


@require_safe
@login_required
def template_document_pdf(request: HttpRequest, pk: int) -> FileResponse:
    """A template version's document as a PDF to print and sign."""
    template = get_object_or_404(templates_visible_to(request.user), pk=pk)
    language = _document_language(request)
    pdf = documents.template_document_pdf(template, language=language)
    response = FileResponse(
        io.BytesIO(pdf),
        as_attachment=True,
        filename=documents.template_document_filename(template, language=language, ext="pdf"),
        content_type="application/pdf",
    )
    response["Content-Language"] = language
    return response


@require_safe
@login_required
def document_download(request: HttpRequest, pk: int) -> FileResponse:
    """A signed contract PDF under its original name, to those who may see the contract."""
    document = get_object_or_404(documents_visible_to(request.user), pk=pk)
    try:
        handle = document.file.open("rb")
    except FileNotFoundError:
        logger.error("Signed document %s is missing from storage (%s).", pk, document.file.name)
        raise Http404(_("The file is missing from storage.")) from None
    return FileResponse(
        handle, as_attachment=True, filename=document.original_name, content_type="application/pdf"
    )


# --------------------------------------------------------------------------- contracts


def _may_act_for(user: User, contract: DataContract) -> bool:
    """Whether the page offers ``user`` the provider's steps on ``contract`` (the services
    apply the same rule themselves)."""
    return may_act_for(user, contract.provider_id)


def _visible_contract(user: User, pk: int) -> DataContract:
    return get_object_or_404(contracts_visible_to(user), pk=pk)


def _acting_contract(request: HttpRequest, pk: int) -> DataContract:
    contract = _visible_contract(request.user, pk)
    if not _may_act_for(request.user, contract):
        raise PermissionDenied
    return contract


@require_safe
@login_required
def contract_list(request: HttpRequest) -> TemplateResponse:
    """The contracts the user may see, newest first, a page at a time."""
    contracts = contracts_visible_to(request.user).order_by("-effective_date", "reference")
    page = Paginator(contracts, CONTRACTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {
        **_page_context(),
        "title": _("Data contracts"),
        "contracts": page.object_list,
        "page": page,
        "may_create": may_draft_contracts(request.user),
    }
    return TemplateResponse(request, "datagov/contract_list.html", context)


# A partner has a handful; the PMO and policy staff see every organization's.
CONTRACTS_PER_PAGE = 50

# Submitted and awaiting (or under) the PMO's review.
REVIEW_STATUSES = (ContractStatus.SUBMITTED, ContractStatus.UNDER_REVIEW)


def _contract_page(
    request: HttpRequest,
    contract: DataContract,
    *,
    upload_form: SignedDocumentForm | None = None,
    submit_errors: list[str] | None = None,
    status: int = 200,
) -> TemplateResponse:
    user = request.user
    transitions = list(contract_transitions(contract))
    latest = transitions[-1] if transitions else None
    # A contract the PMO returned: the reason is what the provider has to act on.
    returned = (
        latest
        if latest is not None
        and contract.status == ContractStatus.DRAFT
        and latest.to_status == ContractStatus.DRAFT
        and latest.from_status != ContractStatus.DRAFT
        else None
    )
    may_act = _may_act_for(user, contract) and contract.status == ContractStatus.DRAFT
    submit_errors = list(submit_errors or [])
    page_errors = []
    if not may_act:
        # No forms on a contract past draft: what refused the action is said above the page.
        if upload_form is not None:
            page_errors += [str(e) for errors in upload_form.errors.values() for e in errors]
        page_errors += submit_errors
        upload_form, submit_errors = None, []
    elif upload_form is None:
        upload_form = SignedDocumentForm()
    signed_documents = list(
        documents_visible_to(user).filter(contract=contract).order_by("-uploaded_at", "-pk")
    )
    submitted = contract.status in REVIEW_STATUSES
    uploaded = bool(signed_documents) or submitted
    context = {
        **_page_context(),
        "title": _("Data contract %(reference)s") % {"reference": contract.reference},
        "contract": contract,
        "template": contract.template,
        "datasets": datasets_visible_to(user).filter(contracts=contract).order_by("code"),
        "permitted_uses": purpose_labels(contract.permitted_uses),
        "deviation_uses": purpose_labels(contract.deviation_uses),
        "transitions": transitions,
        "latest": latest,
        "returned": returned,
        "signed_documents": signed_documents,
        "languages": documents.DOCUMENT_LANGUAGES,
        # The provider's three steps, for a draft and while the PMO reviews it.
        "show_guide": _may_act_for(user, contract)
        and (contract.status == ContractStatus.DRAFT or submitted),
        "steps": {"download": uploaded, "upload": uploaded, "submit": submitted},
        "template_replaced": contract.template.status == TemplateStatus.WITHDRAWN,
        "may_act": may_act,
        "upload_form": upload_form,
        "submit_errors": submit_errors,
        "page_errors": page_errors,
    }
    return TemplateResponse(request, "datagov/contract_detail.html", context, status=status)


@require_safe
@login_required
def contract_detail(request: HttpRequest, pk: int) -> TemplateResponse:
    """One contract: its terms, datasets, status log and signed documents; for the provider
    (and the PMO) of a draft, the upload and the submission."""
    return _contract_page(request, _visible_contract(request.user, pk))


@require_POST
@login_required
def contract_document_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Store the signed PDF of a draft contract through the upload service."""
    contract = _acting_contract(request, pk)
    form = SignedDocumentForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            document = services.contract_document_upload(
                contract=contract, upload=form.cleaned_data["file"], actor=request.user
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("The signed document “%(name)s” was uploaded.")
                % {"name": document.original_name},
            )
            return _back_to(contract)
    return _contract_page(request, contract, upload_form=form, status=400)


@require_POST
@login_required
def contract_submit(request: HttpRequest, pk: int) -> HttpResponse:
    """Submit a draft contract, with its signed document, for the PMO's review."""
    contract = _acting_contract(request, pk)
    try:
        services.contract_submit(contract=contract, actor=request.user)
    except ValidationError as error:
        return _contract_page(request, contract, submit_errors=error.messages, status=400)
    messages.success(
        request,
        _("Contract %(reference)s was submitted for the PMO's review.")
        % {"reference": contract.reference},
    )
    return _back_to(contract)


def _back_to(contract: DataContract) -> HttpResponseRedirect:
    # 303: the browser follows with a GET, so reloading the page does not post again.
    response = redirect("datagov:contract", pk=contract.pk)
    response.status_code = 303
    return response


# --------------------------------------------------------------------------- new contracts


@require_http_methods(["GET", "HEAD", "POST"])
@login_required
def contract_new(request: HttpRequest) -> HttpResponse:
    """A new draft contract under a published template version; ``?template=<pk>``
    preselects the version. The provider is the partner's own organization; the PMO
    chooses one."""
    user = request.user
    if not may_draft_contracts(user):
        raise Http404
    is_pmo = reading_role(user) == Role.PMO
    templates = templates_visible_to(user)
    current = (templates & templates_current()).order_by("code", "-version")
    datasets = datasets_to_contract(user).order_by("provider__code", "code")
    form_kwargs = {
        "templates": templates,
        "current_templates": current,
        "datasets": datasets,
        "providers": organizations_visible_to(user) if is_pmo else None,
    }
    if request.method == "POST":
        form = ContractForm(request.POST, **form_kwargs)
        if form.is_valid():
            contract = form.new_contract(provider=None if is_pmo else user.organization)
            try:
                contract = services.contract_save(
                    contract=contract, actor=user, datasets=form.cleaned_data["datasets"]
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Draft contract %(reference)s was created. Next: download its "
                        "template, sign it and upload the signed PDF."
                    )
                    % {"reference": contract.reference},
                )
                return _back_to(contract)
        status = 400
    else:
        initial = {}
        chosen = request.GET.get("template", "")
        if chosen.isascii() and chosen.isdigit():
            template = current.filter(pk=int(chosen)).first()
            if template is not None:
                initial["template"] = template
        form = ContractForm(initial=initial, **form_kwargs)
        status = 200
    context = {
        "title": _("New data contract"),
        "form": form,
        "is_pmo": is_pmo,
        "provider": None if is_pmo else user.organization,
        "has_templates": current.exists(),
        "has_datasets": datasets.exists(),
    }
    return TemplateResponse(request, "datagov/contract_form.html", context, status=status)


# --------------------------------------------------------------------------- datasets


def _tier_legend() -> list[dict]:
    """What each tier permits, read from the tier policy, for the page's legend."""
    legend = []
    for tier in DataTier:
        rule = tier_rule(tier)
        by_cell = {cell: [p for p in DataPurpose if rule.uses[p] == cell] for cell in Allowance}
        legend.append(
            {
                "tier": tier,
                "permitted": purpose_labels(by_cell[Allowance.PERMITTED]),
                "by_deviation": purpose_labels(by_cell[Allowance.BY_DEVIATION]),
                "forbidden": purpose_labels(by_cell[Allowance.FORBIDDEN]),
                "premises_only": not rule.may_leave_premises,
                "domestic_only": rule.domestic_storage_only,
            }
        )
    return legend


@require_safe
@login_required
def dataset_list(request: HttpRequest) -> TemplateResponse:
    """The datasets the user may see: tier, provider, the contracts covering each, and
    whether it may go into base-model pre-training today."""
    user = request.user
    datasets = datasets_with_contracts(user).order_by("provider__code", "code")
    rows = [
        {
            "dataset": dataset,
            "effective_tier": dataset.effective_tier,
            "hidden": dataset_details_hidden_from(user, dataset),
            "base_training": services.dataset_use_decision(
                dataset=dataset, purpose=DataPurpose.BASE_PRETRAINING
            ),
        }
        for dataset in datasets
    ]
    context = {
        "title": _("Datasets"),
        "rows": rows,
        "tier_legend": _tier_legend(),
        "role": reading_role(user),
    }
    return TemplateResponse(request, "datagov/dataset_list.html", context)
