"""The pages of ``sourcekeeper serve``, each at a stable URL, each also JSON.

=====================================  ==============================================
``/``                                  documents, those that need a person first
``/documents/<id>``                    a document, its citations marked, its sources
``/documents/<id>/changes.atom``       the changes of its sources, as an Atom feed
``/source?url=<url>``                  a source: its checks, snapshots, citing documents
``/snapshots/<n>``                     a snapshot: text, metadata, the page (sandboxed)
``/snapshots/<n>/page``                the archived body, under a CSP that runs nothing
``/snapshots/<n>/body|text|warc``      downloads: body as received, text, WARC records
``/diff?url=<url>&from=<n>&to=<n>``    what changed between two snapshots, and why
``/changes`` (``/changes.atom``)       material changes, newest first
``/search?q=<words>``                  the full-text search
=====================================  ==============================================

Append ``.json`` (or send ``Accept: application/json``) for the record behind a page. An
unknown id is a 404, a malformed parameter a 400, never a traceback.
"""

from __future__ import annotations

import hmac
import html
import logging
import re
from dataclasses import asdict, is_dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route

from crawler import __version__, api
from crawler.core.clock import shown_time
from crawler.core.mementos import against
from crawler.core.models import UrlState
from crawler.errors import NotArchived, SourcekeeperError, UsageError
from crawler.web import LOOPBACK_NAMES

logger = logging.getLogger(__name__)

ARCHIVED_PAGE_CSP = ("default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
                     "sandbox")
UI_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-src 'self'"
COOKIE = "sourcekeeper_token"
_STATE_ORDER = [str(state) for state in UrlState]  # worst first, as the enum lists them


def _plain(value: Any) -> Any:
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    return value


def _marked(text: str, urls: list[str]) -> Markup:
    """A document's text, escaped, with each cited URL marked where it occurs: also where
    it is wrapped across lines (white space between its characters), and as the start of a
    longer form (tracking parameters the crawl dropped)."""
    spans: list[tuple[int, int, int]] = []
    for number, url in enumerate(sorted(set(urls), key=len, reverse=True)):
        bare = url.split("://", 1)[-1]
        pattern = re.compile(r"(?:https?://)?" + r"\s*".join(map(re.escape, bare)))
        for match in pattern.finditer(text):
            if not any(start < match.end() and match.start() < end for start, end, _ in spans):
                spans.append((match.start(), match.end(), number))
    pieces, at = [], 0
    for start, end, number in sorted(spans):
        pieces.append(html.escape(text[at:start]))
        pieces.append(f'<mark id="cite-{number}">{html.escape(text[start:end])}</mark>')
        at = end
    pieces.append(html.escape(text[at:]))
    return Markup("".join(pieces))


def _same(given: str, token: str) -> bool:
    """A constant-time comparison that any text (not only ASCII) can go through."""
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class Pages:
    """The application's handlers, over one archive file."""

    def __init__(self, db: str, token: str | None = None):
        self.db = db
        self.token = token
        self.templates = Environment(
            loader=FileSystemLoader(Path(__file__).parent / "templates"),
            autoescape=select_autoescape(default=True, default_for_string=True))
        self.templates.filters["when"] = shown_time
        self.templates.filters["against"] = against
        self.templates.filters["percent"] = lambda value: "-" if value is None else \
            f"{value:.0%}"
        self.templates.globals["version"] = __version__

    # Plumbing.

    def render(self, request: Request, template: str, data: Any, **context: Any) -> Response:
        if request.url.path.endswith(".json") or (
                "application/json" in request.headers.get("accept", "")
                and "text/html" not in request.headers.get("accept", "")):
            return JSONResponse(_plain(data))
        page = self.templates.get_template(template).render(
            request=request, data=data, db=self.db, **context)
        return Response(page, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": UI_CSP})

    def check_token(self, request: Request) -> Response | None:
        """None when the request may proceed; else a 401 (or the redirect that sets the
        cookie after ``?token=`` was given once)."""
        if self.token is None:
            return None
        given = request.query_params.get("token")
        if given is not None and _same(given, self.token):
            clean = request.url.remove_query_params("token")
            response = RedirectResponse(str(clean), status_code=303)
            response.set_cookie(COOKIE, self.token, httponly=True, samesite="strict")
            return response
        bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
        for candidate in (bearer, request.cookies.get(COOKIE, "")):
            if candidate and _same(candidate, self.token):
                return None
        return PlainTextResponse("sourcekeeper: a token is needed (?token=...)", 401)

    @staticmethod
    def _number(text: str) -> int:
        number = text.removesuffix(".json")
        if not re.fullmatch(r"[1-9][0-9]{0,17}", number):
            raise HTTPException(404, f"no snapshot {number}")
        return int(number)

    @staticmethod
    def _url(request: Request) -> str:
        url = request.query_params.get("url", "")
        if not re.match(r"https?://", url):
            raise HTTPException(400, "url= must be an http(s) URL")
        return url

    # Pages.

    def documents(self, request: Request) -> Response:
        wanted = request.query_params.get("q", "").strip().lower()
        reports = [document for document in api.report(db=self.db, read_only=True)
                   if not wanted or wanted in document.path.lower()]
        summaries = []
        for document in reports:
            counts: dict[str, int] = {}
            for source in document.sources:
                counts[str(source.state)] = counts.get(str(source.state), 0) + 1
            summaries.append((document, sorted(counts.items(),
                                               key=lambda kv: _STATE_ORDER.index(kv[0]))))
        return self.render(request, "documents.html", reports, summaries=summaries,
                           wanted=wanted)

    def document(self, request: Request) -> Response:
        wanted = request.path_params["id"].removesuffix(".json")
        if not re.fullmatch(r"[0-9a-f]{8,64}", wanted):
            raise HTTPException(404, "no such document")
        found = [report for report in api.report(db=self.db, document=wanted, read_only=True)
                 if report.id.startswith(wanted)]
        if len(found) != 1:
            raise HTTPException(404, "no such document" if not found else
                                "several documents start with this id: give more of it")
        [report] = found
        info = next(iter(api.documents(db=self.db, document=report.id)), None)
        text = info.text if info else ""
        marked = _marked(text or "", [source.url for source in report.sources])
        return self.render(request, "document.html", report, text=marked)

    def document_feed(self, request: Request) -> Response:
        return self._feed(request.path_params["id"])

    def source(self, request: Request) -> Response:
        url = self._url(request)
        checks = api.history(url, db=self.db)
        snapshots = list(api.snapshots(db=self.db, url=url))
        [state] = api.url_states(db=self.db, url=url) or [None]
        data = {"url": url, "state": state, "checks": checks,
                "snapshots": [{key: getattr(s, key) for key in (
                    "id", "fetched_at", "status", "title", "change", "final_url", "memento")}
                    for s in snapshots],
                "documents": snapshots[-1].documents if snapshots else ()}
        return self.render(request, "source.html", data)

    def snapshot(self, request: Request) -> Response:
        record = api.snapshot(self._number(request.path_params["n"]), db=self.db)
        return self.render(request, "snapshot.html", record)

    def archived_page(self, request: Request) -> Response:
        """The body as archived, unable to run anything or to call out: for the iframe."""
        record = api.snapshot(self._number(request.path_params["n"]), db=self.db)
        body = api.body(record.body_sha256, db=self.db) if record.body_sha256 else None
        if body is None:
            raise HTTPException(404, "no body stored for this snapshot")
        kind = record.content_type or "application/octet-stream"
        if not kind.startswith(("text/html", "text/plain", "application/xhtml")):
            kind = "text/plain; charset=utf-8"  # shown, never interpreted (a PDF, an SVG)
        return Response(body, media_type=kind, headers={
            "Content-Security-Policy": ARCHIVED_PAGE_CSP, "X-Content-Type-Options": "nosniff",
            "Referrer-Policy": "no-referrer", "Cross-Origin-Resource-Policy": "same-origin"})

    def download(self, request: Request) -> Response:
        number = self._number(request.path_params["n"])
        what = request.path_params["what"]
        record = api.snapshot(number, db=self.db)
        if what == "text":
            return PlainTextResponse(record.text or "", headers={
                "Content-Disposition": f'attachment; filename="snapshot-{number}.txt"'})
        if what == "warc":
            return Response(api.snapshot_warc(number, db=self.db),
                            media_type="application/warc", headers={
                                "Content-Disposition":
                                    f'attachment; filename="snapshot-{number}.warc.gz"'})
        if what == "body":
            body = api.body(record.raw_sha256 or record.body_sha256 or "", db=self.db)
            if body is None:
                raise HTTPException(404, "no body stored for this snapshot")
            return Response(body, media_type="application/octet-stream", headers={
                "Content-Disposition": f'attachment; filename="snapshot-{number}.body"'})
        raise HTTPException(404, "no such download")

    def diff(self, request: Request) -> Response:
        url = self._url(request)
        try:
            old = int(request.query_params["from"]) if "from" in request.query_params else None
            new = int(request.query_params["to"]) if "to" in request.query_params else None
        except ValueError:
            raise HTTPException(400, "from= and to= are snapshot numbers") from None
        compared = api.diff(url, db=self.db, old_snapshot=old, new_snapshot=new)
        if compared is None:
            raise HTTPException(404, "fewer than two snapshots with text to compare")
        removed = [line[1:] for line in compared.lines if line.startswith("-")
                   and not line.startswith("---")]
        added = [line[1:] for line in compared.lines if line.startswith("+")
                 and not line.startswith("+++")]
        return self.render(request, "diff.html", compared, url=url, removed=removed,
                           added=added)

    def changes(self, request: Request) -> Response:
        if request.url.path.endswith(".atom"):
            return self._feed(None)
        return self.render(request, "changes.html", api.changes(db=self.db))

    def _feed(self, document: str | None) -> Response:
        return Response(api.changes_feed(db=self.db, document=document),
                        media_type="application/atom+xml; charset=utf-8")

    def search(self, request: Request) -> Response:
        query = request.query_params.get("q", "").strip()
        hits = api.search(query, db=self.db) if query else []
        return self.render(request, "search.html", hits, query=query)


def create_app(db: str, *, token: str | None = None,
               hosts: list[str] | None = None) -> Starlette:
    """The application serving archive ``db`` read-only (``token``: required on every
    request, as ``?token=`` once, a cookie, or ``Authorization: Bearer``). Only requests
    naming one of ``hosts`` in their Host header are answered (default: this machine's
    loopback names; ``["*"]`` for any): a web page the user visits cannot rebind a name of
    its own to 127.0.0.1 and read the archive."""
    from starlette.middleware import Middleware
    from starlette.middleware.trustedhost import TrustedHostMiddleware

    pages = Pages(db, token)

    def guarded(handler):
        async def endpoint(request: Request) -> Response:
            if (refused := pages.check_token(request)) is not None:
                return refused
            try:
                # The API is synchronous (SQLite): pages are built in Starlette's threads,
                # so that one slow page does not hold the others up.
                return await run_in_threadpool(handler, request)
            except NotArchived as exc:
                raise HTTPException(404, str(exc)) from None
            except UsageError as exc:
                raise HTTPException(400, str(exc)) from None
        return endpoint

    async def problem(request: Request, exc: Exception) -> Response:
        status = exc.status_code if isinstance(exc, HTTPException) else 500
        detail = exc.detail if isinstance(exc, HTTPException) else (
            str(exc) if isinstance(exc, SourcekeeperError) else "internal error")
        if status == 500:
            logger.error("%s %s: %s", request.method, request.url.path, exc)
        page = pages.templates.get_template("error.html").render(
            request=request, status=status, detail=detail, db=db)
        return Response(page, status_code=status, media_type="text/html; charset=utf-8",
                        headers={"Content-Security-Policy": UI_CSP})

    routes = [
        Route("/", guarded(pages.documents)),
        Route("/index.json", guarded(pages.documents)),
        Route("/documents/{id}", guarded(pages.document)),
        Route("/documents/{id}/changes.atom", guarded(pages.document_feed)),
        Route("/source", guarded(pages.source)),
        Route("/source.json", guarded(pages.source)),
        Route("/snapshots/{n}", guarded(pages.snapshot)),
        Route("/snapshots/{n}/page", guarded(pages.archived_page)),
        Route("/snapshots/{n}/{what}", guarded(pages.download)),
        Route("/diff", guarded(pages.diff)),
        Route("/diff.json", guarded(pages.diff)),
        Route("/changes", guarded(pages.changes)),
        Route("/changes.json", guarded(pages.changes)),
        Route("/changes.atom", guarded(pages.changes)),
        Route("/search", guarded(pages.search)),
        Route("/search.json", guarded(pages.search)),
    ]
    allowed = hosts or LOOPBACK_NAMES
    return Starlette(routes=routes, exception_handlers={HTTPException: problem,
                                                        Exception: problem},
                     middleware=[Middleware(TrustedHostMiddleware, allowed_hosts=allowed)])


__all__ = ["create_app"]
