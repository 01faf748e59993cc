"""The CV photo: checked to be a real JPEG or PNG image, then made small and stripped of metadata."""
from __future__ import annotations

import io

from kiosk.cv.sections import PHOTO_SIZE, PHOTO_TYPES
from kiosk.flows.engine import N_, Problem

MAX_PIXELS = 40_000_000  # a 40-megapixel photo is the largest a phone makes; beyond, refuse


def read_photo(data: bytes) -> bytes | Problem:
    """Return the photo re-encoded as a small JPEG (no EXIF, no location), or why it was refused."""
    from PIL import Image, ImageOps, UnidentifiedImageError  # imported here: only this page needs it

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in PHOTO_TYPES:
                return Problem(N_("This file is not a photo in JPEG or PNG format."))
            if image.width * image.height > MAX_PIXELS:
                return Problem(N_("This photo is too large. Choose a smaller one."))
            image.load()
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return Problem(N_("This file is not a photo in JPEG or PNG format."))
    upright.thumbnail(PHOTO_SIZE)
    out = io.BytesIO()
    upright.save(out, format="JPEG", quality=85)
    return out.getvalue()
