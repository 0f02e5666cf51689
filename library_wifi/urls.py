from django.urls import path

from . import session_views, views

urlpatterns = [
    path("", views.index, name="index"),
    path("disaster/", views.disaster, name="disaster"),
    path("portal/<slug:key>/", views.portal, name="portal"),
    path("portal/<slug:key>/accept/", views.accept, name="accept"),
    path("portal/<slug:key>/wait/<str:token>/", views.wait, name="wait"),
    path("portal/<slug:key>/api/", views.captive_api, name="captive_api"),
    path("portal/<slug:key>/session/", session_views.session, name="session"),
    path("portal/<slug:key>/session/renew/", session_views.session_renew, name="session_renew"),
    path("portal/<slug:key>/session/resume/", session_views.session_resume, name="session_resume"),
    path("library/<slug:slug>/", views.library, name="library"),
    path("open-data/<slug:slug>/<int:year>-<int:month>.csv", views.open_data, name="open_data"),
]
