from django.urls import path

from . import account_views, auth_views, handoff, language, push_views, two_factor, views, views_jobs, views_pdf

app_name = "core"

urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("language/", language.language_choose, name="language_choose"),
    path("accounts/login/", auth_views.PortalLoginView.as_view(), name="login"),
    path("student/signin/", auth_views.student_signin, name="student_signin"),
    path("account/", account_views.account, name="account"),
    path("manifest.webmanifest", push_views.manifest, name="manifest"),
    path("service-worker.js", push_views.service_worker, name="service_worker"),
    path("account/push/subscribe/", push_views.subscribe, name="push_subscribe"),
    path("account/push/unsubscribe/", push_views.unsubscribe, name="push_unsubscribe"),
    path("account/push/quiet-hours/", push_views.quiet_hours, name="push_quiet_hours"),
    path("account/push/test/", push_views.send_test, name="push_test"),
    path("account/sign-out-everywhere/", account_views.sign_out_everywhere, name="sign_out_everywhere"),
    path("accounts/handoff/", handoff.handoff_start, name="handoff_start"),
    path("accounts/handoff/accept/", handoff.handoff_accept, name="handoff_accept"),
    path("account/two-factor/", two_factor.enrol, name="two_factor_enrol"),
    path("accounts/two-factor/", two_factor.verify, name="two_factor_verify"),
    path("accounts/confirm/", account_views.reauthenticate, name="reauthenticate"),
    path("guardian/join/", auth_views.guardian_join, name="guardian_join"),
    path("students/<int:pk>/", views.student_detail, name="student_detail"),
    path("students/<int:pk>/invitation.pdf", views_pdf.student_invitation_pdf, name="student_invitation_pdf"),
    path("classes/<int:pk>/roster/", views.class_roster, name="class_roster"),
    path("classes/<int:pk>/badges.pdf", views_pdf.class_badges_pdf, name="class_badges_pdf"),
    path("classes/<int:pk>/invitations.pdf", views_pdf.class_invitations_pdf, name="class_invitations_pdf"),
    path(
        "classes/<int:pk>/invitations/<int:invitation_pk>/cancel/",
        views.class_invitation_cancel,
        name="class_invitation_cancel",
    ),
    path("jobs/<int:pk>/", views_jobs.job_detail, name="job_detail"),
    path("jobs/<int:pk>.json", views_jobs.job_status, name="job_status"),
    path("jobs/<int:pk>/file", views_jobs.job_file, name="job_file"),
]
