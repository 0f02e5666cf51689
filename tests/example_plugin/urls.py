from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("classes/<int:pk>/", views.bell, name="bell"),
    path("classes/<int:pk>/ring/", views.ring, name="ring"),
    path("classes/<int:pk>/ring-school/", views.ring_school, name="ring_school"),
]
