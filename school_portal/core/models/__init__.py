from .jobs import Job
from .pages import CityHomePage, PortalPage, SchoolHomePage, StandardPage, WardIndexPage
from .people import (
    Enrollment,
    Guardian,
    GuardianInvitation,
    GuardianLink,
    PartnerTeacher,
    Role,
    RoleAssignment,
    Student,
    Teaching,
    User,
)
from .push import PushDelivery, PushMessage, PushPreference, PushSubscription
from .roster import RosterImport
from .schools import City, ClassGroup, Library, School, SchoolYear
from .security import LinkedSession, SignInCounter, SignInFailure, SignInHandoff

__all__ = [
    "City",
    "CityHomePage",
    "ClassGroup",
    "Enrollment",
    "Guardian",
    "GuardianInvitation",
    "GuardianLink",
    "Job",
    "Library",
    "PartnerTeacher",
    "PortalPage",
    "PushDelivery",
    "PushMessage",
    "PushPreference",
    "PushSubscription",
    "Role",
    "RosterImport",
    "RoleAssignment",
    "School",
    "SchoolHomePage",
    "SchoolYear",
    "LinkedSession",
    "SignInCounter",
    "SignInHandoff",
    "SignInFailure",
    "StandardPage",
    "Student",
    "Teaching",
    "User",
    "WardIndexPage",
]
