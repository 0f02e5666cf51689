from django.urls import include, path

from . import api, views

urlpatterns = [
    path("", views.city_index, name="public_index"),
    path("city/<slug:slug>/", views.city_page, name="public_city"),
    path("city/<slug:slug>/events.ics", views.city_ical, name="public_city_ical"),
    path("city/<slug:slug>/events.csv", views.city_csv, name="public_city_csv"),
    path("school/<slug:slug>/", views.school_page, name="public_school"),
    path("school/<slug:slug>/feed.rss", views.school_rss, name="public_school_rss"),
    path("school/<slug:slug>/feed.atom", views.school_atom, name="public_school_atom"),
    path("school/<slug:slug>/events.ics", views.school_ical, name="public_school_ical"),
    path("school/<slug:slug>/events.csv", views.school_csv, name="public_school_csv"),
    path("class/<int:pk>/events.ics", views.class_ical, name="public_class_ical"),
    path("notice/<int:pk>/", views.notice_page, name="public_notice"),
    path("api/v2/", include((api.router.get_urlpatterns(), "api"), namespace="api")),
]
