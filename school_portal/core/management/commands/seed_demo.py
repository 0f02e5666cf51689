import time

from django.core.management.base import BaseCommand

from school_portal.core.seeding import seed_demo


class Command(BaseCommand):
    help = "Build the demo city (idempotent). --scale N adds N benchmark schools of 18 classes x 35 students."

    def add_arguments(self, parser):
        parser.add_argument("--scale", type=int, default=0, help="number of benchmark-sized schools to add")
        parser.add_argument("--port", type=int, default=8000, help="port the demo sites are served on")
        parser.add_argument("--quiet", action="store_true", help="do not print the demo logins")

    def handle(self, *args, scale: int, port: int, quiet: bool, **options):
        started = time.perf_counter()
        demo = seed_demo(scale=scale, port=port, out=self.stdout)
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Demo city ready in {elapsed:.1f} s."))
        if quiet:
            return
        self.stdout.write("")
        self.stdout.write(f"Portal:   http://localhost:{port}/   (Wagtail admin: http://localhost:{port}/admin/)")
        for school in demo.schools:
            self.stdout.write(f"  {school.name}: http://{school.site.hostname}:{port}/")
        self.stdout.write("Demo logins (who / sign-in / password):")
        for who, login, password in demo.logins:
            self.stdout.write(f"  {who:28} {login:40} {password}")
