"""The engine profile (``local``, ``cloud``, ``faults``) and what each one switches on.

Asking for a quirk or a fault without naming a profile selects the profile that has it (a test
that wants errors as HTTP 200 wants the cloud), so the profile is never weaker than its options.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from nemo_widgets._env import values_from_env, values_to_env

PROFILES = ("local", "cloud", "faults")
"""In order: each profile does everything the one before it does."""

ENV_PREFIX = "NEMO_ENGINE_"


@dataclass(frozen=True)
class EmulationOptions:
    """The cloud's habits (profile ``cloud``) and the injected failures (profile ``faults``)."""

    silent_edits: bool = True
    """cloud: a single simple edit ends with no text on every third turn (the client diffs)."""
    gui_hints: bool = True
    """cloud: every fourth turn that changed the draft ends with "Click Export"."""
    errors_as_200: bool = False
    """cloud: every ``{code, message}`` error is sent as HTTP 200."""
    render_answer_shape: str = "top"
    """cloud: ``top`` ({status, output.url}) or ``success`` ({success, data.outputUrl})."""
    export_requires_plan: bool = False
    """cloud: a render submit is refused with HTTP 402, as on the free plan."""
    sse_drop_after: int = 0
    """faults: cut the event stream after N events (the turn still completes)."""
    turn_delay_s: float = 0.0
    """faults: wait this long before a turn's work, so keep-alives can be seen."""
    render_submit_503s: int = 0
    """faults: the first N render submits are recorded (the job runs) but answered 503."""
    render_poll_503s: int = 0
    """faults: the first N render polls answer 503."""

    @classmethod
    def names(cls) -> frozenset[str]:
        return frozenset(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_env(cls, env: Mapping[str, str], **overrides: Any) -> EmulationOptions:
        return cls(**{**values_from_env(cls, ENV_PREFIX, env), **overrides})

    def to_env(self) -> dict[str, str]:
        return values_to_env(self, ENV_PREFIX)

    def needed_profile(self) -> str:
        """The weakest profile under which every option set here has an effect."""
        default = EmulationOptions()
        if (self.sse_drop_after, self.turn_delay_s, self.render_submit_503s,
                self.render_poll_503s) != (0, 0.0, 0, 0):
            return "faults"
        if (self.errors_as_200, self.render_answer_shape, self.export_requires_plan) != (
                default.errors_as_200, default.render_answer_shape,
                default.export_requires_plan):
            return "cloud"
        return "local"


def effective_profile(asked: str, options: EmulationOptions) -> str:
    """``asked``, raised to what the options need; a ValueError names a misspelt profile."""
    if asked not in PROFILES:
        raise ValueError(f"NEMO_ENGINE_PROFILE must be one of {', '.join(PROFILES)}, "
                         f"not {asked!r}.")
    return max(asked, options.needed_profile(), key=PROFILES.index)


def has_cloud_habits(profile: str) -> bool:
    return PROFILES.index(profile) >= PROFILES.index("cloud")


def has_faults(profile: str) -> bool:
    return profile == "faults"
