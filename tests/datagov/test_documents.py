"""A contract-template version renders as the document a partner signs: its own clauses in
the chosen language, the tier policy's limits, escaped text, and a PDF that keeps Japanese."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from django.utils.html import escape
from django.utils.translation import override

from datagov.choices import Allowance, DataPurpose, DataTier, TemplateStatus
from datagov.documents import (
    ARTICLES,
    article_heading,
    template_document_html,
    template_document_pdf,
)
from datagov.policy import tier_rule
from tests.factories import ContractTemplateFactory

pytestmark = pytest.mark.django_db

CLAUSE_FIELDS = ("redistribution", "ip_attribution", "synthetic_conversion", "storage", "retention")


def _poppler(tool: str, pdf: bytes, tmp_path) -> str:
    if shutil.which(tool) is None:
        pytest.fail(f"{tool} is missing: install poppler-utils", pytrace=False)
    path = tmp_path / "document.pdf"
    path.write_bytes(pdf)
    args = [tool, str(path), "-"] if tool == "pdftotext" else [tool, str(path)]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def _section(html: str, anchor: str) -> str:
    start = html.index(f'id="{anchor}"')
    return html[start : html.index("</section>", start)]


def _paragraph(html: str, css_class: str) -> str | None:
    found = re.search(rf'<p class="[^"]*\b{css_class}\b[^"]*">(.*?)</p>', html, re.S)
    return found.group(1) if found else None


def _labels(purposes) -> list[str]:
    with override("ja"):
        return [escape(str(DataPurpose(p).label)) for p in purposes]


# ----------------------------------------------------------------------------- HTML


def test_japanese_document_has_the_japanese_clauses_each_under_its_numbered_article():
    template = ContractTemplateFactory(tier=DataTier.RESTRICTED)

    html = template_document_html(template, language="ja")

    assert '<html lang="ja">' in html
    assert template.title_ja in html
    with override("ja"):
        headings = [article_heading(n, str(title)) for n, (_, title) in enumerate(ARTICLES, 1)]
    positions = [html.index(escape(heading)) for heading in headings]
    assert positions == sorted(positions)
    # Each clause sits between its own article's heading and the next one.
    article_of = {key: number for number, (key, _) in enumerate(ARTICLES)}
    for field in CLAUSE_FIELDS:
        text = getattr(template, f"{field}_ja")
        number = article_of[field]
        end = positions[number + 1] if number + 1 < len(positions) else len(html)
        assert positions[number] < html.index(text) < end, field
        assert getattr(template, f"{field}_en") not in html


def test_english_document_has_the_english_clauses_and_article_numbers():
    template = ContractTemplateFactory(tier=DataTier.PUBLIC)

    html = template_document_html(template, language="en")

    assert '<html lang="en">' in html
    assert template.title_en in html
    assert template.title_ja not in html
    for field in CLAUSE_FIELDS:
        assert escape(getattr(template, f"{field}_en")) in html
        assert getattr(template, f"{field}_ja") not in html
    assert "Article 1 (Purpose and parties)" in html
    assert "Article 4 (Attribution of intellectual property)" in html
    assert "Article 7 (Retention and deletion)" in html
    assert "May 1, 2026" in html  # published date
    assert f"{template.code} v1" in html


@pytest.mark.parametrize("tier", DataTier.values)
def test_permitted_uses_article_lists_the_template_uses_and_names_what_the_tier_forbids(tier):
    template = ContractTemplateFactory(tier=tier)
    rule = tier_rule(tier)
    forbidden = [p for p, cell in rule.uses.items() if cell == Allowance.FORBIDDEN]

    article = _section(template_document_html(template, language="ja"), "article-permitted-uses")

    listed = article[article.index("<ul>") : article.index("</ul>")]
    for label in _labels(template.permitted_uses):
        assert label in listed
    stated = _paragraph(article, "forbidden-uses")
    assert (stated is not None) == bool(forbidden)
    for label in _labels(forbidden):
        assert label in stated
        assert label not in listed


def test_uses_the_tier_allows_only_by_deviation_are_named_as_needing_pmo_approval():
    template = ContractTemplateFactory(
        tier=DataTier.RESTRICTED, permitted_uses=[DataPurpose.FINE_TUNING]
    )

    article = _section(template_document_html(template, language="en"), "article-permitted-uses")

    deviation = _paragraph(article, "deviation-uses")
    assert "goes beyond these terms" in deviation
    assert "RAG index" in deviation  # the tier permits it, this version does not grant it
    assert "Synthetic-data derivation" in deviation
    assert "Base-model pre-training" not in deviation  # forbidden, not a deviation


@pytest.mark.parametrize(
    ("tier", "premises", "domestic"),
    [
        (DataTier.PUBLIC, False, False),
        (DataTier.RESTRICTED, False, True),
        (DataTier.SECRET, True, False),
    ],
)
def test_storage_article_states_the_tier_storage_rules(tier, premises, domestic):
    template = ContractTemplateFactory(tier=tier)

    article = _section(template_document_html(template, language="en"), "article-storage")

    assert escape(template.storage_en) in article
    assert (_paragraph(article, "premises-only") is not None) == premises
    assert (_paragraph(article, "domestic-only") is not None) == domestic
    allowed = _paragraph(article, "storage-locations")
    assert ("Provider&#x27;s premises" in allowed) is True
    assert ("Overseas" in allowed) == (tier == DataTier.PUBLIC)
    assert ("Domestic cloud region" in allowed) == (tier != DataTier.SECRET)


def test_clause_markup_is_shown_as_text_never_run():
    template = ContractTemplateFactory(
        title_ja="<b>ひな形</b>",
        redistribution_ja='再配布禁止<script>alert("x")</script>',
    )

    html = template_document_html(template, language="ja")

    assert "<script" not in html
    assert "<b>" not in html
    assert "再配布禁止&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in html
    assert "&lt;b&gt;ひな形&lt;/b&gt;" in html


def test_a_draft_version_says_it_must_not_be_signed():
    template = ContractTemplateFactory(status=TemplateStatus.DRAFT, published_at=None)

    html = template_document_html(template, language="en")

    assert "must not be signed" in html
    assert "Not published" in html


def test_a_document_exists_only_in_japanese_or_english():
    with pytest.raises(ValueError, match="fr"):
        template_document_html(ContractTemplateFactory(), language="fr")


# ----------------------------------------------------------------------------- PDF


def test_japanese_pdf_reads_back_as_the_same_japanese_text_in_an_embedded_ipaex_font(
    tmp_path,
):
    template = ContractTemplateFactory(
        title_ja="企業提供データ提供契約ひな形", ip_attribution_ja="知的財産権は提供者に帰属する。"
    )

    pdf = template_document_pdf(template, language="ja")

    assert pdf.startswith(b"%PDF-")
    text = _poppler("pdftotext", pdf, tmp_path)
    assert "企業提供データ提供契約ひな形" in text
    assert "知的財産権は提供者に帰属する。" in text
    embedded = [
        line
        for line in _poppler("pdffonts", pdf, tmp_path).splitlines()
        if "IPAex" in line and " yes " in line
    ]
    assert embedded, "no IPAex font embedded"


def test_every_pdf_page_footer_shows_template_code_version_and_page_of_pages(tmp_path):
    template = ContractTemplateFactory(
        code="secret-provision", version=3, retention_ja="契約終了後30日以内に削除する。" * 150
    )

    text = _poppler("pdftotext", template_document_pdf(template, language="ja"), tmp_path)

    pages = text.split("\f")[:-1]  # pdftotext ends every page with a form feed
    assert len(pages) >= 2
    for number, page in enumerate(pages, start=1):
        assert "secret-provision v3" in page
        # pdftotext may drop the spaces around the slash.
        assert re.search(rf"\b{number}\s*/\s*{len(pages)}\b", page), page[-200:]
