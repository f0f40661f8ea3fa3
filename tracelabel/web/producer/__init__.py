"""The producer workspace: server-rendered pages for a producer's records, batches and labels."""

from tracelabel.web.producer import (
    batches,
    capture,
    catalog,
    chain,
    home,
    imports,
    jobs,
    labels,
    photos,
)
from tracelabel.web.producer.routes import blueprint

__all__ = ["batches", "blueprint", "capture", "catalog", "chain", "home", "imports", "jobs",
           "labels", "photos"]
