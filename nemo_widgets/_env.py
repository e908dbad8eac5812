"""Settings from environment variables, written once for every settings dataclass.

Both the engine (``NEMO_ENGINE_*``) and the client (``NEMO_CLIENT_*``) keep their knobs in a
frozen dataclass and let a process they do not control (a kernel, the CLI, the engine's own
child process) set them through the environment. This module reads such variables by the
fields' declared types, so that a new setting needs no parsing code of its own.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path
from typing import Any

_TRUE = {"1", "true", "yes", "on"}


def parse_value(kind: str, raw: str) -> Any:
    """``raw`` as the type named by ``kind`` (a field's annotation as a string)."""
    if "tuple" in kind:
        items = [p.strip() for p in raw.replace(";", ",").split(",") if p.strip()]
        return tuple(float(p) for p in items) if "float" in kind else tuple(items)
    if "bool" in kind:
        return raw.strip().lower() in _TRUE
    if "int" in kind:
        return int(raw)
    if "float" in kind:
        return float(raw)
    if "Path" in kind:
        return Path(raw).expanduser()
    return raw


def values_from_env(cls: type[Any], prefix: str, env: Mapping[str, str],
                    skip: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The fields of dataclass ``cls`` that ``env`` sets as ``<prefix><FIELD NAME>``."""
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):
        if f.name in skip:
            continue
        raw = env.get(f"{prefix}{f.name.upper()}")
        if raw is not None:
            values[f.name] = parse_value(str(f.type), raw)
    return values


def values_to_env(obj: Any, prefix: str, skip: frozenset[str] = frozenset()) -> dict[str, str]:
    """The inverse of ``values_from_env``: variables that rebuild ``obj``'s simple fields."""
    out: dict[str, str] = {}
    for f in dataclasses.fields(obj):
        if f.name in skip:
            continue
        value = getattr(obj, f.name)
        if isinstance(value, tuple):
            out[f"{prefix}{f.name.upper()}"] = ",".join(str(v) for v in value)
        else:
            out[f"{prefix}{f.name.upper()}"] = str(value)
    return out
