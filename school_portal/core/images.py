"""The image upload form of every school's media library (``WAGTAILIMAGES_IMAGE_FORM_BASE``).

Wagtail's own field checks the pixel count outside its "is this an image" guard, so a truncated or corrupt
file that Willow half-opens raises a server error. Here any failure to read the image becomes the form's
"not a valid image" message: the teacher sees what went wrong and nothing is saved.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from wagtail.images.fields import WagtailImageField
from wagtail.images.forms import BaseImageForm


class SafeWagtailImageField(WagtailImageField):
    def check_image_pixel_size(self, f: Any) -> None:
        try:
            super().check_image_pixel_size(f)
        except ValidationError:
            raise
        except (OSError, SyntaxError, ValueError) as error:  # Pillow's ways of saying "broken file"
            raise ValidationError(self.error_messages["invalid_image"], code="invalid_image") from error


class PortalImageForm(BaseImageForm):
    file = SafeWagtailImageField(label=capfirst(_("file")))
