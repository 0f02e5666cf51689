"""The class bell's pages: thin, each asking the policy (a capability, then the rule on the object)."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from school_portal.core.access import capability_required, policy
from school_portal.core.models import ClassGroup

from . import services


@capability_required("class_bell.use")
def index(request: HttpRequest) -> HttpResponse:
    """The bells this person hears: a listing goes through the rule's scope, never a filter of its own."""
    classes = policy.scope(request, "class_bell.hear", ClassGroup.objects.select_related("school"))
    return render(request, "class_bell/index.html", {"classes": classes.order_by("school__name", "grade", "name")})


@capability_required("class_bell.use")
def bell(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "class_bell.hear", ClassGroup.objects.select_related("school"), pk=pk)
    may_ring = policy.allows(request, "class_bell.ring", class_group)
    return render(request, "class_bell/bell.html", {"class_group": class_group, "may_ring": may_ring})


@require_POST
@capability_required("class_bell.use")
def ring(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "class_bell.hear", ClassGroup.objects.select_related("school"), pk=pk)
    services.bell_ring(class_group=class_group, by=request)
    return redirect("class_bell:bell", pk=class_group.pk)


@require_POST
@capability_required("class_bell.use")
def ring_school(request: HttpRequest, pk: int) -> HttpResponse:
    class_group = policy.get_or_404(request, "class_bell.hear", ClassGroup.objects.select_related("school"), pk=pk)
    job = services.school_bells_ring(school=class_group.school, by=request.user)
    return redirect("core:job_detail", job.pk)
