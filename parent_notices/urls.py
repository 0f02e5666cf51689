from django.urls import include, path

from . import views, views_emergency, views_staff

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.notice, name="notice"),
    path("<int:pk>/reply/<slug:block_id>/", views.reply, name="reply"),
    path("<int:pk>/attachment/<slug:block_id>/", views.attachment, name="attachment"),
    path("language/", views.language, name="language"),
    path("absence/", views.absence, name="absence"),
    path("emergency/", views_emergency.index, name="emergency"),
    path("emergency/<int:pk>/", views_emergency.detail, name="emergency_detail"),
    path("emergency/<int:pk>/confirm/", views_emergency.confirm, name="emergency_confirm"),
    path("emergency/<int:pk>/correct/", views_emergency.correct, name="emergency_correct"),
    path("<int:pk>/tally/", views_staff.tally, name="tally"),
    path("<int:pk>/tally.csv", views_staff.tally_export, {"fmt": "csv"}, name="tally_csv"),
    path("<int:pk>/tally.xlsx", views_staff.tally_export, {"fmt": "xlsx"}, name="tally_xlsx"),
    path("<int:pk>/remind/", views_staff.remind, name="remind"),
    path("<int:pk>/notice.pdf", views_staff.notice_pdf, name="notice_pdf"),
    path("<int:pk>/paper/", views_staff.paper_copies, name="paper_copies"),
    path("class/<int:pk>/week.pdf", views_staff.class_week_pdf, name="class_week_pdf"),
    path("absences/class/<int:pk>/", views_staff.class_absences, name="class_absences"),
    path("absences/school/<int:pk>/", views_staff.school_absences, name="school_absences"),
    path("public/", include("parent_notices.public.urls")),
]
