"""The web interface and JSON API through FastAPI's test client."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from markupsafe import escape
from sqlalchemy import select

from gawah.store.models import Document
from gawah.web import app as web_app
from gawah.web.app import safe_next
from gawah.web.schemas import DocumentDetail, DocumentPage
from gawah.workspace import Workspace
from tests.web.conftest import DARI_QUOTE, ENGLISH_QUOTE, WebWorkspace, signed_in_client

HTML_TAG = re.compile(r"<html lang=\"(\w+)\" dir=\"(\w+)\">")


def html_lang_dir(html: str) -> tuple[str, str]:
    match = HTML_TAG.search(html)
    assert match, html[:200]
    return match[1], match[2]


def test_home_shows_counts_and_latest_documents(client: TestClient, web_workspace: WebWorkspace) -> None:
    response = client.get("/")
    assert response.status_code == 200
    html = response.text
    assert html_lang_dir(html) == ("en", "ltr")
    assert "Gawah turns scattered reports" in html
    # 6 demonstration reports, one file each; two candidate acts and two candidate claims.
    counts = re.findall(r"<dt>([^<]+)</dt>\s*<dd>(?:<a [^>]*>)?([^<]+)<", html)
    assert dict(counts) == {"Documents": "6", "Evidence items": "6", "Candidate facts awaiting review": "4"}
    assert f'href="/documents/{web_workspace.dari_id}"' in html
    assert "<script" not in html
    head = client.head("/")
    assert head.status_code == 200 and head.content == b""


def test_home_with_no_documents_says_how_to_add_them(workspace: Workspace) -> None:
    with signed_in_client(workspace) as empty:
        html = empty.get("/?lang=fa").text
    assert "هنوز هیچ سندی وجود ندارد" in html
    assert "<code>gawah ingest PATH</code>" in html
    assert re.findall(r"<dd>(?:<a [^>]*>)?([^<]+)<", html) == ["۰", "۰", "۰"]


def test_document_list_is_newest_first_and_filters_by_language(
    client: TestClient, web_workspace: WebWorkspace
) -> None:
    html = client.get("/documents").text
    ids = [int(i) for i in re.findall(r'<td><a href="/documents/(\d+)"', html)]
    with web_workspace.workspace.sessions() as session:
        expected = list(
            session.scalars(select(Document.id).order_by(Document.ingested_at.desc(), Document.id.desc()))
        )
    assert ids == expected and len(ids) == 6
    assert "6 documents" in html

    dari = client.get("/documents", params={"language": "fa"}).text
    assert re.findall(r'<td><a href="/documents/(\d+)"', dari) == [str(web_workspace.dari_id)]
    assert "1 document<" in dari
    assert '<option value="fa" selected>' in dari

    none = client.get("/documents", params={"language": "und"}).text
    assert "No documents match." in none


def test_document_list_pages(
    client: TestClient, web_workspace: WebWorkspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(web_app, "PAGE_SIZE", 4)
    first = client.get("/documents").text
    second = client.get("/documents", params={"page": 2}).text
    first_ids = re.findall(r'<td><a href="/documents/(\d+)"', first)
    second_ids = re.findall(r'<td><a href="/documents/(\d+)"', second)
    assert len(first_ids) == 4 and len(second_ids) == 2
    assert not set(first_ids) & set(second_ids)
    assert 'href="/documents?page=2" rel="next"' in first
    assert "Page 2 of 2" in second
    assert client.get("/documents", params={"page": 0}).status_code == 422


def test_document_view_shows_text_hashes_and_ingestion(
    client: TestClient, web_workspace: WebWorkspace, demo_texts_dir: Path
) -> None:
    doc_id = web_workspace.english_id
    response = client.get(f"/documents/{doc_id}")
    assert response.status_code == 200
    html = response.text
    original = (demo_texts_dir / "hrm_andarab_field_summary_2022.txt").read_bytes()
    with web_workspace.workspace.sessions() as session:
        doc = session.get(Document, doc_id)
        assert doc is not None
        text_sha256, reader, title = doc.text_sha256, doc.reader, doc.title
        paragraph = doc.text.split("\n\n")[3].strip()
    assert hashlib.sha256(original).hexdigest() in html
    assert text_sha256 in html
    assert "hrm_andarab_field_summary_2022.txt" in html
    assert f"{len(original):,} bytes" in html
    assert "text/plain" in html
    assert f'<code dir="ltr">{reader}</code>' in html
    assert "file-ingest" in html
    assert str(escape(title)) in html
    assert '<p dir="auto">' in html
    # Paragraph text appears whole where no quote cuts it.
    assert str(escape(paragraph.split("\n")[0]))[:40] in html


def test_candidate_facts_are_listed_and_their_quotes_marked_in_the_text(
    client: TestClient, web_workspace: WebWorkspace
) -> None:
    html = client.get(f"/documents/{web_workspace.english_id}").text
    act_row = f'<tr id="act-{web_workspace.act_id}">'
    assert act_row in html and f'<tr id="claim-{web_workspace.claim_id}">' in html
    assert "Arbitrary detention" in html and "at least 14" in html and "Taliban" in html
    assert "Denial" in html and "said by Invented Spokesman" in html
    # The act's and the claim's spans cover the same words: one mark, two span anchors.
    marks = re.findall(r'<mark id="span-(\d+)" class="quote"><a href="#([\w-]+)">([^<]*)</a></mark>', html)
    assert len(marks) == 1
    span_id, anchor, quoted = marks[0]
    assert quoted == ENGLISH_QUOTE and anchor == f"act-{web_workspace.act_id}"
    assert f'<a href="#span-{span_id}">{ENGLISH_QUOTE}</a>' in html
    assert re.search(r'<span id="span-\d+"></span><mark id="span-', html)


def test_dari_document_reads_right_to_left(client: TestClient, web_workspace: WebWorkspace) -> None:
    html = client.get(f"/documents/{web_workspace.dari_id}", params={"lang": "fa"}).text
    assert html_lang_dir(html) == ("fa", "rtl")
    assert '<div class="document-text" lang="fa">' in html
    assert f'<a href="#act-{web_workspace.act_id + 1}">{DARI_QUOTE}</a></mark>' in html
    assert "بازداشت خودسرانه" in html  # the act's violation, named in Dari
    assert "دست‌کم ۱۴" in html  # its count, with the Dari qualifier and digits
    assert "۳ سنبله ۱۴۰۱" in html  # publication date in the Solar Hijri calendar


def test_missing_document_is_a_404_page_in_the_chosen_language(client: TestClient) -> None:
    response = client.get("/documents/999999")
    assert response.status_code == 404
    assert "text/html" in response.headers["content-type"]
    assert "Not found" in response.text
    pashto = client.get("/no/such/page", params={"lang": "ps"})
    assert pashto.status_code == 404
    assert html_lang_dir(pashto.text) == ("ps", "rtl")
    assert "ونه موندل شو" in pashto.text


def test_language_switch_sets_a_cookie_and_returns_to_the_page(client: TestClient) -> None:
    response = client.get("/language/fa", params={"next": "/documents?language=en"}, follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/documents?language=en"
    assert "gawah_lang=fa" in response.headers["set-cookie"]
    # The client keeps the cookie: later pages are in Dari with no parameter.
    html = client.get("/").text
    assert html_lang_dir(html) == ("fa", "rtl")
    assert "اسناد" in html
    assert client.get("/language/xx", follow_redirects=False).status_code == 404


def test_language_links_on_every_page_keep_the_current_page(
    client: TestClient, web_workspace: WebWorkspace
) -> None:
    for path in ("/", "/documents?language=fa", f"/documents/{web_workspace.dari_id}", "/missing"):
        html = client.get(path).text
        links = re.findall(r'<a href="(/language/\w+\?next=[^"]+)" lang="(\w+)"', html)
        assert [code for _, code in links] == ["en", "fa", "ps"], path
        for href, code in links:
            target = client.get(href.replace("&amp;", "&"), follow_redirects=False).headers["location"]
            assert target == path, (href, code)


def test_lang_parameter_wins_and_is_remembered(client: TestClient) -> None:
    response = client.get("/documents", params={"lang": "ps"})
    assert html_lang_dir(response.text) == ("ps", "rtl")
    assert "gawah_lang=ps" in response.headers["set-cookie"]
    assert html_lang_dir(client.get("/").text) == ("ps", "rtl")
    assert html_lang_dir(client.get("/", params={"lang": "en"}).text) == ("en", "ltr")


def test_browser_language_is_used_when_nothing_was_chosen(client: TestClient) -> None:
    html = client.get("/", headers={"Accept-Language": "ps-AF,ps;q=0.9,en;q=0.5"}).text
    assert html_lang_dir(html) == ("ps", "rtl")
    html = client.get("/", headers={"Accept-Language": "de-DE,de;q=0.9"}).text
    assert html_lang_dir(html) == ("en", "ltr")


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("/documents/3", "/documents/3"),
        ("/documents?language=fa", "/documents?language=fa"),
        ("//evil.example/", "/"),
        ("https://evil.example/", "/"),
        ("/\\evil.example", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_language_switch_returns_only_to_local_pages(given: str | None, expected: str) -> None:
    assert safe_next(given) == expected


def test_api_lists_documents(client: TestClient, web_workspace: WebWorkspace) -> None:
    page = DocumentPage.model_validate(client.get("/api/documents").json())
    assert page.total == 6 and len(page.documents) == 6
    assert {d.language for d in page.documents} == {"en", "fa", "ps"}
    assert all(len(d.sha256) == 64 for d in page.documents)
    dari = DocumentPage.model_validate(client.get("/api/documents", params={"language": "fa"}).json())
    assert [d.id for d in dari.documents] == [web_workspace.dari_id]
    limited = DocumentPage.model_validate(
        client.get("/api/documents", params={"limit": 2, "offset": 5}).json()
    )
    assert limited.total == 6 and len(limited.documents) == 1
    assert client.get("/api/documents", params={"limit": 0}).status_code == 422


def test_api_shows_a_document_with_its_facts(client: TestClient, web_workspace: WebWorkspace) -> None:
    response = client.get(f"/api/documents/{web_workspace.english_id}")
    assert response.status_code == 200
    detail = DocumentDetail.model_validate(response.json())
    assert hashlib.sha256(detail.text.encode()).hexdigest() == detail.text_sha256
    assert detail.evidence.sha256 == detail.sha256
    assert detail.ingested_at.tzinfo is not None
    kinds = {(fact.kind, fact.id) for fact in detail.facts}
    assert kinds == {("act", web_workspace.act_id), ("claim", web_workspace.claim_id)}
    for fact in detail.facts:
        for span in fact.spans:
            assert detail.text[span.start : span.end] == span.quote == ENGLISH_QUOTE


def test_api_missing_document_is_a_json_404(client: TestClient) -> None:
    response = client.get("/api/documents/999999")
    assert response.status_code == 404
    assert response.json() == {"detail": "no document 999999"}


def test_openapi_describes_the_json_api_only(client: TestClient) -> None:
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) >= {"/api/documents", "/api/documents/{document_id}", "/api/me"}
    assert all(path.startswith("/api/") for path in schema["paths"])
    assert schema["components"]["securitySchemes"]["bearer"] == {"type": "http", "scheme": "bearer"}
    assert "DocumentDetail" in schema["components"]["schemas"]
    # No interactive docs: they would load scripts from a CDN.
    assert client.get("/docs").status_code == 404


def test_original_file_downloads_byte_for_byte(
    client: TestClient, web_workspace: WebWorkspace, demo_texts_dir: Path
) -> None:
    response = client.get(f"/documents/{web_workspace.dari_id}/original")
    assert response.status_code == 200
    assert response.content == (demo_texts_dir / "fa_malistan_report_1401.txt").read_bytes()
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["content-disposition"].startswith("attachment;")
    assert client.get("/documents/999999/original").status_code == 404


def test_pages_carry_security_headers_and_load_nothing_from_elsewhere(
    client: TestClient, web_workspace: WebWorkspace
) -> None:
    for path in ("/", "/documents", f"/documents/{web_workspace.english_id}"):
        response = client.get(path)
        assert "default-src 'none'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        # Every stylesheet, script and image is local (links inside document text aside).
        assert not re.search(r'(?:src|href)="(?:https?:)?//', response.text.split('class="document-text"')[0])
    css = client.get("/static/gawah.css")
    assert css.status_code == 200 and "text/css" in css.headers["content-type"]
    assert "url(" not in css.text and "@import" not in css.text
