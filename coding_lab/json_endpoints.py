"""The lab's JSON endpoints (autosave, versions, restore) answer every error as ``{"error": message}``.

The tablet's script shows the message and keeps the program queued; an HTML error page would leave it with
nothing to say. The CSRF check runs inside the wrapper so that its refusal is JSON too.
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

logger = logging.getLogger(__name__)


class BadRequest(ValueError):
    """The request could not be read (its message is shown to the child)."""


def _messages() -> dict[int, str]:
    return {
        401: _("You are signed out. Sign in again: your program is kept on this tablet."),
        403: _("This page has expired or you are signed out. Reload the page: your program is kept on this tablet."),
        404: _("This program is not open to you."),
        405: _("Programs can only be sent by the lab."),
        413: _("This program is too large to save."),
    }


def json_error(message: str, status: int) -> JsonResponse:
    return JsonResponse({"error": str(message)}, status=status)


def json_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    protected = csrf_protect(view)

    @csrf_exempt  # checked inside, through ``protected``
    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if not request.user.is_authenticated:
            return json_error(_messages()[401], 401)
        try:
            response = protected(request, *args, **kwargs)
        except PortalError as exc:
            return json_error(str(exc), 409)
        except BadRequest as exc:
            return json_error(str(exc), 400)
        except Http404:
            return json_error(_messages()[404], 404)
        except PermissionDenied:
            return json_error(_messages()[403], 403)
        except RequestDataTooBig:
            return json_error(_messages()[413], 413)
        except Exception:
            logger.exception("coding_lab JSON endpoint %s failed", request.path)
            return json_error(_("Something went wrong at the server. Your program is kept on this tablet."), 500)
        if response.status_code >= 400 and not response.get("Content-Type", "").startswith("application/json"):
            return json_error(
                _messages().get(response.status_code, _("The program could not be saved.")), response.status_code
            )
        return response

    return wrapped
