"""The kernel-side client of NemoVideo's protocol (embedded engine or cloud)."""

from nemo_widgets.client.api import NemoApi, RenderResult, TurnResult
from nemo_widgets.client.errors import NemoError

__all__ = ["NemoApi", "NemoError", "RenderResult", "TurnResult"]
