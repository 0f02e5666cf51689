from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from school_portal.core.access import capability_required


@capability_required("parent_notices.use")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "parent_notices/index.html")
