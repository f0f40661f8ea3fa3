"""The producer workspace: server-rendered pages for a producer's records, batches and labels."""

from tracelabel.web.producer import batches, catalog, chain, home, imports, labels, photos
from tracelabel.web.producer.routes import blueprint

__all__ = ["batches", "blueprint", "catalog", "chain", "home", "imports", "labels", "photos"]
