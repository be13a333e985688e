"""The base of the generated result classes of `maestro.types`: building a record from
the dict the API answers and back, as each class's generated tables say."""

from __future__ import annotations

import base64
import dataclasses
import json
from typing import TYPE_CHECKING, Any, ClassVar, Dict, FrozenSet, Tuple, Type, TypeVar

T = TypeVar("T", bound="Record")

_FIELDS: Dict[type, FrozenSet[str]] = {}


class Record:
    """Base of every result class."""

    #: Fields whose JSON becomes a nested record, a list of them, or bytes (base64):
    #: field -> ("one" | "list" | "bytes", class).
    _DECODE: ClassVar[Dict[str, Tuple[str, Any]]] = {}
    #: JSON names that are Python keywords -> attribute names (`from` -> `from_`).
    _RENAMED: ClassVar[Dict[str, str]] = {}

    @classmethod
    def from_dict(cls: Type[T], d: Dict[str, Any]) -> T:
        """Builds the record from a dict as the API returns it; unknown keys are ignored."""
        names = _FIELDS.get(cls)
        if names is None:
            names = _FIELDS[cls] = frozenset(f.name for f in dataclasses.fields(cls))  # type: ignore[arg-type]
        # The API always sends every required field; bypassing the frozen __init__ (one
        # setattr per field) makes reading long lists several times cheaper. Absent
        # optional fields fall back to their class-level default, None.
        obj = object.__new__(cls)
        if not cls._DECODE and not cls._RENAMED:
            obj.__dict__.update({k: v for k, v in d.items() if k in names})
            return obj
        values = {}
        for key, value in d.items():
            how = cls._DECODE.get(key)
            if how is not None and value is not None:
                shape, record = how
                if shape == "one":
                    value = record.from_dict(value)
                elif shape == "list":
                    value = [record.from_dict(v) for v in value]
                else:
                    value = base64.b64decode(value)
            key = cls._RENAMED.get(key, key)
            if key in names:
                values[key] = value
        obj.__dict__.update(values)
        return obj

    def to_dict(self) -> Dict[str, Any]:
        """The record as a dict of JSON values (the API's names, bytes in base64), without
        absent optional fields."""
        out: Dict[str, Any] = {}
        renamed = {v: k for k, v in self._RENAMED.items()}
        for f in dataclasses.fields(self):  # type: ignore[arg-type]
            value = getattr(self, f.name)
            if value is None:
                continue
            key = renamed.get(f.name, f.name)
            out[key] = _json(value)
        return out


def _json(value: Any) -> Any:
    if isinstance(value, Record):
        return value.to_dict()
    if isinstance(value, bytes):
        return base64.b64encode(value).decode("ascii")
    if isinstance(value, list):
        return [_json(v) for v in value]
    if isinstance(value, dict):
        return {k: _json(v) for k, v in value.items()}
    return value


class LazyPayload:
    """An event whose payload may arrive as JSON text (`_payload_json`, as `events.since`
    returns it), decoded when `payload` is first read."""

    @classmethod
    def from_dict(cls, d: Dict[str, Any]) -> Any:
        """Builds the event, keeping a payload still in JSON text for later."""
        obj = object.__new__(cls)
        obj.__dict__.update(d)
        return obj

    if not TYPE_CHECKING:

        def __getattr__(self, name: str) -> Any:
            # Only reached while `payload` is not decoded yet.
            raw = self.__dict__.get("_payload_json") if name == "payload" else None
            if raw is None:
                raise AttributeError(f"'{type(self).__name__}' object has no attribute {name!r}")
            value = json.loads(raw)
            self.__dict__["payload"] = value
            return value


def resolve(namespace: Dict[str, Any]) -> None:
    """Replaces the class names of each record's `_DECODE` table by the classes of
    `namespace` (the generated module's globals, once every class exists)."""
    for value in list(namespace.values()):
        if isinstance(value, type) and issubclass(value, Record) and value._DECODE:
            value._DECODE = {
                k: (shape, namespace[cls] if isinstance(cls, str) else cls) for k, (shape, cls) in value._DECODE.items()
            }
