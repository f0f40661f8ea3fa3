"""The province's coverage dashboard for programme officials (provincial OCOP offices) and
inspectors: figures, charts, the lists behind them, and the workbook."""

from tracelabel.web.programme import views
from tracelabel.web.programme.routes import blueprint

__all__ = ["blueprint", "views"]
