"""The plug-in's JSON endpoints (autosave, hand-in from the tablet's script) answer every error in JSON.

A tablet's script reads ``{"error": "..."}`` and shows the message by the answers; Django's HTML error pages
(a 403 from the CSRF check, a 404, a 405 from ``require_POST``, a 500) would leave it with nothing to say.
``json_errors`` wraps such a view: refusals the code knows (``PortalError``, a bad payload, a rejected answer)
become 409/400 with their own translated message, the statuses of Django's own refusals a translated message of
their own, and an unexpected exception is logged and answered 500 in JSON. The CSRF check runs inside the
wrapper (the same check as the middleware's, ``csrf_protect``), so that its refusal is JSON too.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from school_portal.core.services import PortalError

from . import payload, worksheets

logger = logging.getLogger(__name__)


def _status_messages() -> dict[int, str]:
    return {
        400: _("The answers could not be read."),
        401: _("You are signed out. Sign in again: your answers are kept on this tablet."),
        403: _("This page has expired or you are signed out. Reload the page: your answers are kept on this tablet."),
        404: _("This work is not open to you."),
        405: _("Answers can only be sent by the worksheet."),
        409: _("This worksheet cannot be changed now."),
        413: _("Too much was sent at once."),
    }


def server_error_message() -> str:
    return _(
        "Something went wrong at the school's server. Your answers are kept on this tablet and will be sent again."
    )


def json_error(message: str, status: int, **extra: object) -> JsonResponse:
    return JsonResponse({"error": str(message), **extra}, status=status)


def _as_json(response: HttpResponse) -> HttpResponse:
    """An error response of Django's own (HTML) as JSON with the status's message; JSON and successes as they are."""
    if response.status_code < 400 or response.get("Content-Type", "").startswith("application/json"):
        return response
    status = response.status_code
    message = _status_messages().get(status) or server_error_message()
    converted = json_error(message, status)
    if response.has_header("Allow"):
        converted["Allow"] = response["Allow"]
    return converted


def always(request: HttpRequest) -> bool:
    return True


def asks_for_json(request: HttpRequest) -> bool:
    """The tablet's script asks for JSON (``Accept: application/json``); a plain form post does not."""
    return "application/json" in request.headers.get("Accept", "")


def json_errors(wants_json: Callable[[HttpRequest], bool] = always) -> Callable:
    """Decorate a view so that, for requests ``wants_json`` picks, every error is answered in JSON.

    Put it outermost (above ``require_POST``), so that the 405 is converted too. A signed-out request that wants
    JSON gets a 401 in JSON, not a redirect to the sign-in page its script could not follow.
    """

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        protected = csrf_protect(view)

        @csrf_exempt  # the check runs inside, through ``protected``: its 403 is converted like any other
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
            if not wants_json(request):
                return protected(request, *args, **kwargs)
            if not request.user.is_authenticated:
                return json_error(_status_messages()[401], 401)
            try:
                response = protected(request, *args, **kwargs)
            except PortalError as exc:
                return json_error(str(exc), 409)
            except (payload.BadPayload, worksheets.AnswerRejected) as exc:
                return json_error(str(exc), 400)
            except Http404:
                return json_error(_status_messages()[404], 404)
            except PermissionDenied:
                return json_error(_status_messages()[403], 403)
            except RequestDataTooBig:
                return json_error(_status_messages()[413], 413)
            except Exception:
                logger.exception("classrooms JSON endpoint %s failed", request.path)
                return json_error(server_error_message(), 500)
            return _as_json(response)

        return wrapped

    return decorate
