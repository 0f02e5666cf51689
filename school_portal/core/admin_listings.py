"""Wagtail admin listings that grow with the city, paginated.

Wagtail paginates its page explorer (50 a page) and page chooser (25), but lists every collection on one page:
a city's 420 schools each have one (177 KB of HTML). ``CollectionIndex`` is Wagtail's own listing with a page
size; ``school_portal/urls.py`` mounts it at Wagtail's address (``/admin/collections/``), before Wagtail's admin
URLs, with the same checks Wagtail's admin URLs have (admin access, never cached).
"""

from __future__ import annotations

from wagtail.admin.views.collections import Index

COLLECTIONS_PER_PAGE = 50


class CollectionIndex(Index):
    paginate_by = COLLECTIONS_PER_PAGE
