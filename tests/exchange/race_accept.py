"""One side of the booking race, run as a process of its own: accept session ``argv[1]`` as user ``argv[2]`` once
the file ``argv[3]`` exists (the starting line), and print what the teacher would read."""

import json
import os
import sys
import time
from pathlib import Path

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "school_portal.settings.test")
django.setup()

from django.db import connection  # noqa: E402
from django.utils import translation  # noqa: E402

from exchange import services  # noqa: E402
from exchange.models import Session  # noqa: E402
from school_portal.core.models import User  # noqa: E402
from school_portal.core.services import PortalError  # noqa: E402

session, user = Session.objects.get(pk=int(sys.argv[1])), User.objects.get(pk=int(sys.argv[2]))
connection.ensure_connection()
start = Path(sys.argv[3])
print(json.dumps({"ready": True}), flush=True)
while not start.exists():
    time.sleep(0.001)
translation.activate("en")
try:
    services.session_accept(session=session, by=user)
    print(json.dumps({"booked": True}), flush=True)
except PortalError as error:
    print(json.dumps({"refused": str(error)}), flush=True)
