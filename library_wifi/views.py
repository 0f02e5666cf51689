from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from school_portal.core.access import capability_required


@capability_required("library_wifi.manage")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "library_wifi/index.html")
