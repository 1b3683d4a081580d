"""The audit trail screens: search and one record. Every look is itself recorded."""

import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_GET

from civicgate.accounts.access import role_required
from civicgate.accounts.roles import Role
from civicgate.audit.chain import record
from civicgate.audit.forms import AuditSearchForm
from civicgate.audit.models import AuditRecord
from civicgate.audit.selectors import visible_records

PAGE_SIZE = 50


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    form = AuditSearchForm(request.GET or None, user=request.user)
    records = visible_records(request.user)
    if form.is_bound:
        records = form.filter(records) if form.is_valid() else records.none()
    page = Paginator(records.order_by("-seq"), PAGE_SIZE).get_page(request.GET.get("page"))
    # Read the page before recording this search, so the search does not list itself.
    page.object_list = list(page.object_list)
    record(
        "audit.searched",
        request=request,
        data={
            "filters": form.used_filters() if form.is_bound and form.is_valid() else {},
            "page": page.number,
        },
    )
    query = request.GET.copy()
    query.pop("page", None)
    context = {"form": form, "page": page, "query": query.urlencode()}
    template = "audit/partials/results.html" if request.htmx else "audit/search.html"  # type: ignore[attr-defined]
    return render(request, template, context)


@role_required(Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN)
@require_GET
def detail(request: HttpRequest, hash: str) -> HttpResponse:
    entry: AuditRecord = get_object_or_404(visible_records(request.user), hash=hash)
    record(
        "audit.record_viewed", request=request, office=entry.office_code, data={"seq": entry.seq}
    )
    pretty = json.dumps(entry.data, indent=2, sort_keys=True, ensure_ascii=False)
    return render(request, "audit/detail.html", {"entry": entry, "pretty_data": pretty})
