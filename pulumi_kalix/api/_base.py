"""Base classes for the wire models and the strict-validation helper.

Every wire model reads tolerantly (unknown fields are kept, so a newer control plane
never breaks a deploy) and writes camelCase without `None`s. Requests are checked
strictly with :func:`strict_validate`, which reports unknown fields as well as type
errors, each with its dotted path, so a typo fails with the field it is in.
"""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError
from pydantic.alias_generators import to_camel

M = TypeVar("M", bound="WireModel")


class WireModel(BaseModel):
    """A control-plane object or part of one (camelCase on the wire)."""

    model_config = ConfigDict(
        extra="allow",
        alias_generator=to_camel,
        populate_by_name=True,
        validate_assignment=False,
        # Validators are built on a model's first use: a provider process builds the
        # kinds it handles, not all of them (~140 ms off every provider start).
        defer_build=True,
    )

    def to_wire(self) -> dict[str, Any]:
        """The JSON body for this object: camelCase keys, no unset or None values."""
        return self.model_dump(mode="json", by_alias=True, exclude_none=True)


class FieldCause(BaseModel):
    """One bad field: the path in dotted/indexed form and what is wrong with it."""

    field: str
    message: str


class WireValidationError(ValueError):
    """Raised by :func:`strict_validate`; carries every bad field."""

    def __init__(self, causes: list[FieldCause]) -> None:
        self.causes = causes
        super().__init__("; ".join(f"{c.field}: {c.message}" for c in causes))


def _path(parts: tuple[int | str, ...] | list[int | str], prefix: str = "") -> str:
    out = prefix
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _unknown_fields(cls: type[BaseModel], data: Any, prefix: str) -> list[FieldCause]:
    """Walk `data` against `cls` and name keys the model does not define."""
    if not isinstance(data, dict):
        return []
    fields = cls.model_fields
    by_alias = {(f.alias or name): name for name, f in fields.items()}
    causes: list[FieldCause] = []
    for key, value in data.items():
        name = by_alias.get(key) or (key if key in fields else None)
        path = f"{prefix}.{key}" if prefix else str(key)
        if name is None:
            allowed = ", ".join(sorted(by_alias))
            causes.append(FieldCause(field=path, message=f"unknown field (allowed: {allowed})"))
            continue
        causes.extend(_unknown_in_annotation(fields[name].annotation, value, path))
    return causes


def _unknown_in_annotation(annotation: Any, value: Any, path: str) -> list[FieldCause]:
    # Unwrap Optional/Union, list[...] and dict[str, ...] down to nested models.
    args: tuple[Any, ...] = getattr(annotation, "__args__", ())
    origin = getattr(annotation, "__origin__", None)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return _unknown_fields(annotation, value, path)
    if origin is list and args and isinstance(value, list):
        out: list[FieldCause] = []
        for i, item in enumerate(value):
            out.extend(_unknown_in_annotation(args[0], item, f"{path}[{i}]"))
        return out
    if origin is dict and len(args) == 2 and isinstance(value, dict):
        value_type = args[-1]
        out = []
        for k, item in value.items():
            out.extend(_unknown_in_annotation(value_type, item, f"{path}.{k}"))
        return out
    for arg in args:  # Union members
        if isinstance(arg, type) and issubclass(arg, BaseModel) and isinstance(value, dict):
            return _unknown_fields(arg, value, path)
        if getattr(arg, "__origin__", None) in (list, dict):
            return _unknown_in_annotation(arg, value, path)
    return []


def strict_validate(cls: type[M], data: Any, *, prefix: str = "") -> M:
    """Parse `data` as `cls`, rejecting unknown fields and bad values with their paths."""
    causes = _unknown_fields(cls, data, prefix)
    try:
        obj = cls.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors():
            loc = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-"))]
            causes.append(FieldCause(field=_path(list(loc), prefix) or "body", message=err["msg"]))
        raise WireValidationError(causes) from None
    if causes:
        raise WireValidationError(causes)
    return obj
