"""Administration pages: organizations (with their GS1 company prefixes), accounts and API tokens."""

from tracelabel.web.admin import accounts, organizations, places
from tracelabel.web.admin.routes import blueprint

__all__ = ["accounts", "blueprint", "organizations", "places"]
