"""A contract-template version rendered as the document a partner signs (HTML and PDF).

The clauses come from the template version's own Japanese or English fields; what the
tier forbids and where its data may be stored come from the tier policy, so the document
cannot promise more than the rules the lineage guard enforces.
"""

from __future__ import annotations

from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext, pgettext
from django.utils.translation import gettext_lazy as _

from datagov.choices import Allowance, DataPurpose, StorageLocation, TemplateStatus
from datagov.models import ContractTemplate
from datagov.policy import tier_rule
from jvtracker.common.pdf import html_to_pdf

DOCUMENT_LANGUAGES = ("ja", "en")

# The JV's registered name is a party to every contract: it is contract text, not UI text.
JV_NAME = {"ja": "日本AI基盤モデル開発", "en": "Japan AI Foundation Model Development"}

# The articles in the order they are numbered; the key names the clause in the template.
ARTICLES = (
    ("purpose", _("Purpose and parties")),
    ("permitted_uses", _("Permitted uses")),
    ("redistribution", _("Redistribution conditions")),
    ("ip_attribution", _("Attribution of intellectual property")),
    ("synthetic_conversion", _("Synthetic-data conversion process")),
    ("storage", _("Storage location")),
    ("retention", _("Retention and deletion")),
)

# Template fields holding the clause text of an article, without the language suffix.
CLAUSE_FIELDS = ("redistribution", "ip_attribution", "synthetic_conversion", "storage", "retention")


def _language(language: str) -> str:
    if language not in DOCUMENT_LANGUAGES:
        raise ValueError(f"Contract documents exist in {DOCUMENT_LANGUAGES}, not {language!r}.")
    return language


def article_heading(number: int, title: str) -> str:
    """An article's heading in the active language's legal style."""
    # Translators: Japanese contracts number articles as 第%(number)s条（%(title)s）.
    return pgettext("contract article", "Article %(number)s (%(title)s)") % {
        "number": number,
        "title": title,
    }


def _labels(purposes: list[str]) -> list[str]:
    chosen = set(purposes)
    return [str(purpose.label) for purpose in DataPurpose if purpose in chosen]


def _context(template: ContractTemplate, language: str) -> dict:
    """Everything the document shows, evaluated in the active language."""
    rule = tier_rule(template.tier)
    permitted = list(template.permitted_uses)
    forbidden = [p for p, cell in rule.uses.items() if cell == Allowance.FORBIDDEN]
    # Anything the tier does not forbid but this version does not grant: a contract may
    # ask for it only as a deviation the PMO approves (DataContract.clean).
    beyond = [p for p in DataPurpose if p not in permitted and p not in forbidden]
    return {
        "language": language,
        "template": template,
        "title": getattr(template, f"title_{language}"),
        "reference": f"{template.code} v{template.version}",
        "is_draft": template.status == TemplateStatus.DRAFT,
        "is_withdrawn": template.status == TemplateStatus.WITHDRAWN,
        "jv_name": JV_NAME[language],
        "headings": {
            key: article_heading(number, str(title))
            for number, (key, title) in enumerate(ARTICLES, start=1)
        },
        "clauses": {field: getattr(template, f"{field}_{language}") for field in CLAUSE_FIELDS},
        "permitted_uses": _labels(permitted),
        "forbidden_uses": _labels(forbidden),
        "deviation_uses": _labels(beyond),
        "may_leave_premises": rule.may_leave_premises,
        "domestic_storage_only": rule.domestic_storage_only,
        "storage_locations": [str(StorageLocation(p).label) for p in rule.storage_locations],
        "parties": [
            {"role": gettext("Provider"), "name": ""},
            {"role": gettext("JV"), "name": JV_NAME[language]},
        ],
        "list_separator": gettext(", "),
    }


def template_document_html(template: ContractTemplate, *, language: str = "ja") -> str:
    """The template version as a standalone HTML document in ``language`` ("ja" or "en")."""
    language = _language(language)
    with translation.override(language):
        return render_to_string("datagov/contract_document.html", _context(template, language))


def template_document_pdf(template: ContractTemplate, *, language: str = "ja") -> bytes:
    """The same document as an A4 PDF with the Japanese fonts embedded."""
    return html_to_pdf(template_document_html(template, language=language))


def template_document_filename(template: ContractTemplate, *, language: str, ext: str) -> str:
    return f"{template.code}-v{template.version}-{_language(language)}.{ext}"
