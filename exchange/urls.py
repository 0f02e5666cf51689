from django.urls import path

from . import views

urlpatterns = [
    path("", views.index, name="index"),
    path("partners/", views.partners, name="partners"),
    path("<int:pk>/", views.exchange_detail, name="exchange_detail"),
    path("<int:pk>/propose/", views.propose, name="propose"),
    path("sessions/<int:pk>/invite.ics", views.session_invite, name="session_invite"),
    path("sessions/<int:pk>/call/", views.session_call, name="session_call"),
    path("sessions/<int:pk>/<slug:action>/", views.session_action, name="session_action"),
]
