from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("course/<int:pk>/", views.course_detail, name="course"),
    path("challenge/<int:pk>/", views.challenge_lab, name="challenge"),
    path("sandbox/", views.sandbox, name="sandbox"),
    path("project/<int:pk>/", views.project_detail, name="project"),
    path("project/<int:pk>/save/", views.save, name="save"),
    path("project/<int:pk>/versions/", views.versions, name="versions"),
    path("project/<int:pk>/restore/<int:revision>/", views.restore, name="restore"),
    path("shown/<int:pk>/", views.showcase_detail, name="showcase"),
    path("class/<int:class_id>/course/<int:course_id>/", views.class_grid, name="class_grid"),
    path(
        "class/<int:class_id>/course/<int:course_id>/export.<str:fmt>",
        views.class_export,
        name="class_export",
    ),
    path("class/<int:class_id>/show/<int:project_id>/", views.showcase_set, name="showcase_set"),
]
