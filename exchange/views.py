from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from school_portal.core.access import capability_required


@capability_required("exchange.use")
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "exchange/index.html")
