"""Product photos: checked by content, stripped of metadata, resized to a few widths (pure, no Flask)."""

from __future__ import annotations

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

ACCEPTED_FORMATS = frozenset({"JPEG", "PNG", "WEBP"})
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 40-megapixel phone photo is the largest we decode
VARIANT_WIDTHS = (320, 640, 1280)
OUTPUT_FORMAT, OUTPUT_MEDIA_TYPE, OUTPUT_EXTENSION = "WEBP", "image/webp", "webp"
WEBP_QUALITY = 72


class ImageRejected(ValueError):
    """An upload that is not a usable photo; ``message`` is an English msgid."""

    def __init__(self, message: str, **params: object) -> None:
        super().__init__(message % params if params else message)
        self.message = message
        self.params = params


@dataclass(frozen=True)
class ImageVariant:
    """One stored rendition of a photo."""

    width: int
    height: int
    data: bytes

    @property
    def sha256(self) -> str:
        """The content address of the rendition."""
        return hashlib.sha256(self.data).hexdigest()


def _open_checked(data: bytes) -> Image.Image:
    if not data:
        raise ImageRejected("The file is empty.")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ImageRejected("The photo is larger than %(max)s MB.", max=MAX_UPLOAD_BYTES // 2**20)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            if probe.format not in ACCEPTED_FORMATS:
                raise ImageRejected("Upload a JPEG, PNG or WebP photo.")
            if probe.width * probe.height > MAX_PIXELS:
                raise ImageRejected("The photo has too many pixels (at most %(max)s million).",
                                    max=MAX_PIXELS // 1_000_000)
            probe.verify()
            image = Image.open(io.BytesIO(data))
            image.load()
    except ImageRejected:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ImageRejected("The photo has too many pixels (at most %(max)s million).",
                            max=MAX_PIXELS // 1_000_000) from None
    except UnidentifiedImageError:
        raise ImageRejected("Upload a JPEG, PNG or WebP photo.") from None
    except (OSError, SyntaxError, ValueError):
        raise ImageRejected("The photo file is damaged or incomplete.") from None
    return image


def _normalised(image: Image.Image) -> Image.Image:
    upright = ImageOps.exif_transpose(image)
    has_alpha = upright.mode in ("RGBA", "LA") or "transparency" in upright.info
    return upright.convert("RGBA" if has_alpha else "RGB")


def _encode(image: Image.Image, width: int) -> ImageVariant:
    if image.width > width:
        height = max(1, round(image.height * width / image.width))
        image = image.resize((width, height), Image.Resampling.LANCZOS)
    buffer = io.BytesIO()
    image.save(buffer, OUTPUT_FORMAT, quality=WEBP_QUALITY, method=4)
    return ImageVariant(image.width, image.height, buffer.getvalue())


def process_photo(data: bytes) -> list[ImageVariant]:
    """Check an upload by content and return its renditions, smallest first, without metadata.

    Re-encoding from pixels drops EXIF (GPS included), XMP and ICC data; the orientation tag is
    applied to the pixels first so the photo stays upright.
    """
    image = _normalised(_open_checked(data))
    variants: list[ImageVariant] = []
    for width in VARIANT_WIDTHS:
        variant = _encode(image, width)
        if variants and variant.width == variants[-1].width:
            break  # the photo is smaller than this width: no larger rendition to make
        variants.append(variant)
    return variants
