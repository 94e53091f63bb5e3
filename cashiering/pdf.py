"""The one PDF renderer: a Django template under templates/pdf/ drawn by WeasyPrint."""

import re
import threading
import unicodedata
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.http import content_disposition_header
from weasyprint import HTML
from weasyprint.document import Document
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse

# A font configuration per render loads every font it uses again (a warm receipt took 81 ms that
# way against 71 ms): one shared by every render in the process loads them once.
_font_config: FontConfiguration | None = None
# That configuration wraps a Pango font map that two threads must not use at once: eight threads
# rendering through one corrupt the heap within a few hundred PDFs ("corrupted double-linked
# list", then an abort or a hang). So renders take turns, which costs nothing under gunicorn's
# one-thread sync workers.
_render_lock = threading.Lock()
_fetcher: "_StaticFolderFetcher | None" = None

_UNSAFE_FILENAME = re.compile(r'[\x00-\x1f\x7f"\\/:*?<>|;]+')


def render_pdf(
    *,
    template_name: str,
    context: dict,
    request: HttpRequest | None = None,
    fit_page_height: bool = False,
) -> bytes:
    """Render a template to HTML and the HTML to PDF bytes.

    Styles belong in the template (an inline <style>, see pdf/_base.html); a relative URL in it
    (url(css/x.css), <img src="img/seal.png">) is read from the project's static folder, and
    nothing is fetched from the network.

    WeasyPrint 70 rejects `@page { size: 80mm auto }`, so a receipt roll is drawn on a page
    longer than any receipt (`size: 80mm 1000mm`) with `fit_page_height=True`: the last page is
    then cut just under its content (page-margin boxes such as @bottom-center would be cut off).
    """
    html = render_to_string(template_name, context, request=request)
    static_root = Path(settings.BASE_DIR, "static").resolve()
    with _render_lock:
        source = HTML(
            string=html,
            # The trailing slash makes "css/x.css" resolve inside the folder, not beside it.
            base_url=static_root.as_uri() + "/",
            url_fetcher=_shared_fetcher(static_root),
        )
        document = source.render(font_config=_shared_font_config())
        if fit_page_height and document.pages:
            _fit_last_page_height(document)
        return document.write_pdf()


def pdf_response(*, pdf: bytes, filename: str, inline: bool = True) -> HttpResponse:
    """An HTTP response carrying a PDF, shown in the browser or offered as a download."""
    response = HttpResponse(pdf, content_type="application/pdf")
    disposition = content_disposition_header(
        as_attachment=not inline, filename=_safe_pdf_filename(filename)
    )
    # None only for an inline response with no file name, and ours always has one.
    response["Content-Disposition"] = disposition or "inline"
    return response


def _shared_fetcher(static_root: Path) -> "_StaticFolderFetcher":
    """The process's URL fetcher. Building one costs about 30 ms (urllib's HTTPS handler loads
    the system's certificate store), more than laying out a receipt. Call it holding
    _render_lock: renders take turns, so one fetcher serves them all."""
    global _fetcher
    if _fetcher is None or _fetcher.static_root != static_root:
        _fetcher = _StaticFolderFetcher(static_root=static_root)
    return _fetcher


def _shared_font_config() -> FontConfiguration:
    """The process's font configuration, built on first use. Call it holding _render_lock."""
    global _font_config
    if _font_config is None:
        _font_config = FontConfiguration()
    return _font_config


class _StaticFolderFetcher(URLFetcher):
    """Lets a template read files in the static folder and data: URLs, and nothing else.

    Templates show payers' names and addresses; should one ever reach the HTML unescaped, it
    still cannot make the server fetch a URL or read a file outside static/.
    """

    def __init__(self, *, static_root: Path):
        super().__init__(allowed_protocols=("file", "data"))
        self.static_root = static_root

    def fetch(self, url: str, headers: dict | None = None) -> URLFetcherResponse:
        if url.startswith("file:"):
            path = Path(url2pathname(urlsplit(url).path)).resolve()
            if not path.is_relative_to(self.static_root):
                raise ValueError(f"PDF templates may only read files under static/, not {url}")
        return super().fetch(url, headers)


def _fit_last_page_height(document: Document) -> None:
    """Cut the last page just under its content: a receipt roll's page has no fixed length."""
    page = document.pages[-1]
    # WeasyPrint has no public way to read where the content ends: its page box's first child
    # is the box of the <html> element, whose height is the content's.
    page_box = page._page_box
    root_box = page_box.children[0]
    content_bottom = root_box.position_y + root_box.margin_height()
    bottom = (
        content_bottom
        + page_box.padding_bottom
        + page_box.border_bottom_width
        + page_box.margin_bottom
    )
    # Page.height sets both the PDF's MediaBox and the flip of the y axis, so the top stays put.
    page.height = min(page.height, bottom)


def _safe_pdf_filename(filename: str) -> str:
    """A bare file name ending in .pdf, with no path, quote or control character in it."""
    name = unicodedata.normalize("NFC", filename).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE_FILENAME.sub("_", name).strip(" ._")
    if not name:
        name = "document"
    if not name.lower().endswith(".pdf"):
        name += ".pdf"
    return name
