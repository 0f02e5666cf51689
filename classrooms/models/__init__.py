from .pages import CourseIndexPage, LessonLibraryPage, LessonPage, Subject, Term, UnitPage
from .work import Answer, AnswerSheet, Assignment, LessonCopy

__all__ = [
    "Answer",
    "AnswerSheet",
    "Assignment",
    "CourseIndexPage",
    "LessonCopy",
    "LessonLibraryPage",
    "LessonPage",
    "Subject",
    "Term",
    "UnitPage",
]
