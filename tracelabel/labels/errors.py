"""The one error the labels package raises for bad input."""


class LabelError(ValueError):
    """A label, symbol or sheet cannot be made from the given content or options."""
