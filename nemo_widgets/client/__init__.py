"""The kernel-side client of NemoVideo's protocol (the embedded engine or the cloud).

Sync face (scripts, notebooks, the CLI)::

    from nemo_widgets.client import NemoClient

    client = NemoClient()                      # local engine; "cloud" or a URL also work
    conv = client.conversation()
    conv.upload("beach.mp4", "song.mp3")
    result = conv.ask('add my video to the timeline and a title "Summer"')
    print(result.text)                         # GUI wording translated, silent edits told
    conv.export("out.mp4")
    conv.save_music("music/", stems=True, cue=True, formats=("wav", "mp3"))
    conv.pending_renders(); conv.follow_render()   # a render an earlier kernel left
    client.ledger.to_frame()                   # every balance read and charged action

Async core: ``AsyncNemoClient`` / ``AsyncConversation`` with the same methods, awaited; a turn
is ``async for event in conv.send(text)``. See ``docs/client.md``.
"""

from nemo_widgets.client.client import AsyncNemoClient
from nemo_widgets.client.config import ClientSettings
from nemo_widgets.client.conversation import AsyncConversation
from nemo_widgets.client.errors import (
    AuthError,
    BadRequest,
    ConnectionFailed,
    FileTooLarge,
    MalformedAnswer,
    NemoError,
    NoCredits,
    PlanRequired,
    RateLimited,
    RenderFailed,
    ServerError,
    SessionLost,
    TurnTimedOut,
    UnsupportedFile,
)
from nemo_widgets.client.events import (
    EndEvent,
    ErrorEvent,
    Event,
    Heartbeat,
    Notice,
    PartialText,
    ProgressEvent,
    Reason,
    TextEvent,
    ToolCall,
    ToolResult,
)
from nemo_widgets.client.handles import AsyncTurn
from nemo_widgets.client.ledger import CreditLedger, LedgerEntry
from nemo_widgets.client.media import MusicVersion
from nemo_widgets.client.models import (
    Balance,
    ExportResult,
    SessionInfo,
    SessionState,
    TurnResult,
    UploadedFile,
)
from nemo_widgets.client.renders import RenderRecord
from nemo_widgets.client.sync import Conversation, NemoClient, Turn

__all__ = [
    "AsyncConversation",
    "AsyncNemoClient",
    "AsyncTurn",
    "AuthError",
    "BadRequest",
    "Balance",
    "ClientSettings",
    "ConnectionFailed",
    "Conversation",
    "CreditLedger",
    "EndEvent",
    "ErrorEvent",
    "Event",
    "ExportResult",
    "FileTooLarge",
    "Heartbeat",
    "LedgerEntry",
    "MalformedAnswer",
    "MusicVersion",
    "NemoClient",
    "NemoError",
    "NoCredits",
    "Notice",
    "PartialText",
    "PlanRequired",
    "ProgressEvent",
    "RateLimited",
    "Reason",
    "RenderFailed",
    "RenderRecord",
    "ServerError",
    "SessionInfo",
    "SessionLost",
    "SessionState",
    "TextEvent",
    "ToolCall",
    "ToolResult",
    "Turn",
    "TurnResult",
    "TurnTimedOut",
    "UnsupportedFile",
    "UploadedFile",
]
