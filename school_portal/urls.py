"""The portal's URLs: the core's, each installed plug-in's (from the registry), Wagtail's, then the page tree."""

from django.conf import settings
from django.urls import include, path
from django.views.decorators.cache import never_cache
from django.views.i18n import JavaScriptCatalog
from wagtail import urls as wagtail_urls
from wagtail.admin import urls as wagtailadmin_urls
from wagtail.admin.auth import require_admin_access
from wagtail.documents import urls as wagtaildocs_urls

from school_portal.core.admin_listings import CollectionIndex
from school_portal.core.auth_views import PortalLogoutView
from school_portal.core.media import media_urlpatterns
from school_portal.core.registry import url_modules

urlpatterns = [
    # Wagtail's collections listing, paginated (a city has 420 school collections): before Wagtail's own address.
    path("admin/collections/", never_cache(require_admin_access(CollectionIndex.as_view())), name="collections_index"),
    path("admin/", include(wagtailadmin_urls)),
    path("documents/", include(wagtaildocs_urls)),
    path("i18n/", include("django.conf.urls.i18n")),
    path("jsi18n/", JavaScriptCatalog.as_view(), name="javascript-catalog"),
    path("accounts/logout/", PortalLogoutView.as_view(), name="logout"),
    path("", include("school_portal.core.urls")),
]

for app_label, (module, prefix) in url_modules.items():
    urlpatterns.append(path(f"{prefix}/", include((module, app_label), namespace=app_label)))

if settings.SERVE_MEDIA:  # image renditions only; in production nginx serves them (docs/operations.md)
    urlpatterns += media_urlpatterns()

urlpatterns.append(path("", include(wagtail_urls)))
