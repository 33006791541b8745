"""The search page: one box, filters with facet counts, highlighted snippets, pagination, sort."""
from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from flask import Blueprint, redirect, render_template, request, url_for
from .extensions import settings

bp = Blueprint("search", __name__)

PER_PAGE = 10
MAX_QUERY_CHARS = 500
FACET_LABELS = {"doc_type": "Loại văn bản", "issuer": "Cơ quan ban hành", "year": "Năm"}


def index_redirect():
    return redirect(url_for("search.search"))


def _date_arg(value: str | None) -> date | None:
    try:
        return date.fromisoformat(value) if value else None
    except ValueError:
        return None


def search_filters(args) -> dict:
    """Query-string arguments -> the filters ``SearchIndex.search`` takes (only the ones given).

    The page and the API share it: type, issuer, year, from, to, open_tasks.
    """
    filters: dict = {}
    if args.get("type"):
        filters["doc_type"] = args["type"][:100]
    if args.get("issuer"):
        filters["issuer"] = args["issuer"][:500]
    year = args.get("year", "")
    if year.isdigit() and 1900 <= int(year) <= 2100:
        filters["year"] = int(year)
    if (start := _date_arg(args.get("from"))) is not None:
        filters["date_from"] = start
    if (end := _date_arg(args.get("to"))) is not None:
        filters["date_to"] = end
    if args.get("open_tasks") in ("1", "true", "on"):
        filters["has_open_tasks"] = True
    return filters


def run_search(args, per_page: int = PER_PAGE):
    """(query, filters, page, sort, results) for the given arguments."""
    from archive import services

    q = (args.get("q") or "").strip()[:MAX_QUERY_CHARS]
    filters = search_filters(args)
    page = min(max(1, args.get("page", 1, type=int) or 1), 1000)
    sort = "date" if args.get("sort") == "date" else "relevance"
    results = services.search_index(settings()).search(q, filters=filters or None, page=page,
                                                       per_page=per_page, sort=sort)
    return q, filters, page, sort, results


@bp.route("/search")
def search():
    """An empty box lists the newest letters (the index sorts them by date) with their facet counts."""
    args = request.args
    q, filters, page, sort, results = run_search(args)
    pages = max(1, min(1000, (results.total + results.per_page - 1) // results.per_page))

    def page_url(number: int) -> str:
        kept = {k: v for k, v in args.items() if k != "page" and v}
        kept["page"] = number
        return url_for("search.search") + "?" + urlencode(kept)

    def facet_url(name: str, value) -> str:
        key = {"doc_type": "type"}.get(name, name)
        kept = {k: v for k, v in args.items() if k not in ("page", key) and v}
        kept[key] = value
        return url_for("search.search") + "?" + urlencode(kept)

    return render_template("search/page.html", q=q, results=results, args=args, sort=sort, page=page,
                           pages=pages, page_url=page_url, facet_url=facet_url, facet_labels=FACET_LABELS,
                           filtered=bool(q or filters))
