"""What a roster file says, once read: students, teachers and the problems found, each traced to a file line."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..models import School

MAX_REPORTED_ERRORS = 500


class RosterFileError(Exception):
    """The file as a whole cannot be read (encoding, format, size). The message is shown to school staff."""

    def __init__(self, message: str, *, file: str = "", line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.file = file
        self.line = line


@dataclass(frozen=True)
class RowError:
    file: str
    line: int | None
    message: str

    def as_dict(self) -> dict:
        return {"file": self.file, "line": self.line, "message": self.message}


@dataclass(frozen=True)
class ClassKey:
    """A homeroom class as the file names it: resolved to a ClassGroup (made if missing) when applied."""

    school_id: int
    start_year: int
    grade: int
    name: str
    sourced_id: str = ""


@dataclass
class StudentRecord:
    """One student as the file gives them. A value the file has no column for is ``None`` and is left as stored
    (kana), or ``has_number`` is false (attendance number): a column that is absent changes nothing."""

    file: str
    line: int
    sourced_id: str
    family_name: str
    given_name: str
    family_name_kana: str | None
    given_name_kana: str | None
    school: School
    class_key: ClassKey
    number: int | None = None
    has_number: bool = True


@dataclass
class TeacherRecord:
    file: str
    line: int
    sourced_id: str
    username: str
    family_name: str
    given_name: str
    email: str
    schools: dict[int, School] = field(default_factory=dict)
    classes: dict[ClassKey, bool] = field(default_factory=dict)  # class -> is homeroom teacher


@dataclass
class Roster:
    students: list[StudentRecord] = field(default_factory=list)
    teachers: list[TeacherRecord] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    school_sourced_ids: dict[int, str] = field(default_factory=dict)  # school pk -> its OneRoster org sourcedId
    guardians_skipped: int = 0  # guardians in a OneRoster bundle: not imported (they register themselves)

    def error(self, file: str, line: int | None, message: str) -> None:
        self.errors.append(RowError(file, line, message))

    @property
    def size(self) -> int:
        return len(self.students) + len(self.teachers)
