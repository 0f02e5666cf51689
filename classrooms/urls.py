from django.urls import path

from . import views, views_library, views_pdf, views_student, views_teacher

urlpatterns = [
    path("", views.index, name="index"),
    # a child on the tablet
    path("my/", views_student.my_lessons, name="my_lessons"),
    path("assignments/<int:pk>/", views_student.work, name="work"),
    path("assignments/<int:pk>/autosave/", views_student.autosave, name="autosave"),
    path("assignments/<int:pk>/submit/", views_student.submit, name="submit"),
    path("sheets/<int:pk>/", views_student.sheet_detail, name="sheet"),
    path("sheets/<int:pk>/drawings/<uuid:question_id>.png", views_student.drawing, name="drawing"),
    # a teacher
    path("lessons/<int:lesson_pk>/assign/", views_teacher.assign, name="assign"),
    path("assignments/<int:pk>/review/", views_teacher.review, name="review"),
    path("assignments/<int:pk>/review.<str:fmt>", views_teacher.review_export, name="review_export"),
    path("sheets/<int:pk>/review/", views_teacher.sheet_review, name="sheet_review"),
    path("classes/<int:pk>/progress/", views_teacher.class_progress, name="class_progress"),
    path("lessons/<int:pk>/worksheet.pdf", views_pdf.worksheet_pdf, name="worksheet_pdf"),
    path("lessons/<int:pk>/answer-key.pdf", views_pdf.answer_key_pdf, name="answer_key_pdf"),
    # the shared library
    path("library/", views_library.library, name="library"),
    path("library/<int:pk>/", views_library.library_lesson, name="library_lesson"),
    path("library/<int:pk>/copy/", views_library.library_copy, name="library_copy"),
]
