"""Wagtail's API v2 for app developers, with public content only.

- ``pages``: Wagtail's own endpoint; it serves only live pages without a view restriction
  (``get_public_pages_queryset``) of the site the request is for.
- ``notices``: the public notices (``selectors.public_notices``) and their events; ``?school=<slug>`` and
  ``?category=`` filter them. Asking for another audience (``?audience=school``) is refused (400) with a message:
  the API never serves a notice written to families.

Only the JSON renderer (the browsable API needs ``rest_framework`` among the installed apps; it is not).
"""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from wagtail.api.v2.router import WagtailAPIRouter
from wagtail.api.v2.utils import BadRequestError
from wagtail.api.v2.views import BaseAPIViewSet, PagesAPIViewSet

from school_portal.core.access import policy

from ..models import Audience, Category, Notice
from .selectors import events_of, plain_text, plain_title, public_notices

NAMESPACE = "parent_notices:api"


class PublicPagesAPIViewSet(PagesAPIViewSet):
    renderer_classes = [JSONRenderer]


class PublicNoticesAPIViewSet(BaseAPIViewSet):
    model = Notice
    renderer_classes = [JSONRenderer]
    known_query_parameters = BaseAPIViewSet.known_query_parameters.union(["school", "category", "audience"])

    def get_queryset(self):  # noqa: ANN201 - DRF's protocol
        params = self.request.GET
        audience = params.get("audience")
        if audience is not None and audience != Audience.PUBLIC:
            raise BadRequestError(_("Only notices for the public are served here; this audience is not."))
        category = params.get("category")
        if category is not None and category not in Category.values:
            raise BadRequestError(_("There is no such category."))
        qs = public_notices()
        if params.get("school"):
            qs = qs.filter(school__slug=params["school"])
        if category:
            qs = qs.filter(category=category)
        return qs

    def _item(self, notice: Notice, *, detail: bool) -> dict[str, Any]:
        request = self.request
        item: dict[str, Any] = {
            "id": notice.pk,
            "meta": {
                "type": "parent_notices.Notice",
                "detail_url": request.build_absolute_uri(reverse(f"{NAMESPACE}:notices:detail", args=[notice.pk])),
                "html_url": request.build_absolute_uri(reverse("parent_notices:public_notice", args=[notice.pk])),
                "first_published_at": notice.first_published_at,
                "last_published_at": notice.last_published_at,
            },
            "title": plain_title(notice),
            "category": notice.category,
            "school": {"name": notice.school.name, "slug": notice.school.slug} if notice.school else None,
            "city": notice.city.name,
            "events": [
                {
                    "id": event.block_id,
                    "uid": event.uid,
                    "name": event.name,
                    "date": event.date,
                    "starts": event.starts,
                    "ends": event.ends,
                    "place": event.place,
                }
                for event in events_of([notice])
            ],
        }
        if detail:
            item["text"] = plain_text(notice)
        return item

    def listing_view(self, request: HttpRequest) -> Response:
        queryset = self.get_queryset()
        self.check_query_parameters(queryset)
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response([self._item(notice, detail=False) for notice in page])

    def detail_view(self, request: HttpRequest, pk: int) -> Response:
        notice = self.get_queryset().filter(pk=pk).first()
        if notice is None or not policy.allows(request, "read_public", notice):
            raise Http404
        return Response(self._item(notice, detail=True))

    def find_view(self, request: HttpRequest) -> Response:
        raise Http404


router = WagtailAPIRouter(NAMESPACE)
router.register_endpoint("pages", PublicPagesAPIViewSet)
router.register_endpoint("notices", PublicNoticesAPIViewSet)
