"""Put every school's home page and media collection under its ward's folder (see ``school_ward_arrange``).

For a database whose schools were made before the ward folders existed, or after a school's ward changed.
Idempotent: a school already in place is left alone.
"""

from django.core.management.base import BaseCommand

from school_portal.core import services
from school_portal.core.models import School


class Command(BaseCommand):
    help = "Put every school's home page and media collection under its ward."

    def handle(self, *args, **options):
        schools = list(School.objects.order_by("pk"))
        for school in schools:
            services.school_ward_arrange(school=school)
        self.stdout.write(f"{len(schools)} schools arranged by ward")
