"""Nested spec inputs given as plain dicts: the published wire shape in snake_case.

`replication={"mode": "replicated-read", "replicated_read": {"primary_selection_mode":
"pinned-region"}}` is `spec.replication` with its keys in snake_case, so one mapping
serves every nested field the resources take as a dict: check (unknown keys and bad
values named by their input path, e.g. `truststore.type`), input -> wire model, and
wire model -> input (what refresh and import read back).
"""

from __future__ import annotations

from typing import Any, TypeVar, cast, get_args, get_origin

from pulumi.dynamic import CheckFailure
from pydantic import BaseModel, ValidationError
from pydantic.alias_generators import to_snake

from ._base import failure, is_unknown, type_name

M = TypeVar("M", bound=BaseModel)


def _model_of(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _list_item(annotation: Any) -> Any:
    if get_origin(annotation) is list:
        return get_args(annotation)[0]
    for arg in get_args(annotation):
        item = _list_item(arg)
        if item is not None:
            return item
    return None


def unknown_keys(model: type[BaseModel], value: Any, path: str) -> list[CheckFailure]:
    """Keys of `value` (snake_case) that `model` does not define, at any depth."""
    if not isinstance(value, dict):
        return []
    out: list[CheckFailure] = []
    fields = model.model_fields
    for key, item in value.items():
        where = f"{path}.{key}"
        if key not in fields:
            allowed = ", ".join(sorted(fields))
            out.append(failure(where, f"{where} is not a known key (allowed: {allowed})"))
            continue
        annotation = fields[key].annotation
        sub = _model_of(annotation)
        item_type = _list_item(annotation)
        if item_type is not None and isinstance(item, list):
            inner = _model_of(item_type)
            for i, element in enumerate(item):
                if inner is not None:
                    out += unknown_keys(inner, element, f"{where}[{i}]")
        elif sub is not None:
            out += unknown_keys(sub, item, where)
    return out


def model_failures(model: type[BaseModel], value: Any, path: str) -> list[CheckFailure]:
    """Everything wrong with `value` as `model` (snake_case keys), named by input path.

    Values unknown during preview are not checked."""
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, dict):
        return [failure(path, f"{path} must be a map, got {type_name(value)}")]
    out = unknown_keys(model, value, path)
    if out:
        return out
    try:
        model.model_validate(value)
    except ValidationError as exc:
        for err in exc.errors():
            where = path
            for part in err["loc"]:
                if isinstance(part, int):
                    where += f"[{part}]"
                elif not str(part).startswith("function-"):
                    where += f".{to_snake(str(part))}"
            out.append(failure(where, f"{where}: {err['msg']}"))
    return out


def list_failures(model: type[BaseModel], value: Any, path: str) -> list[CheckFailure]:
    """A list of `model` dicts."""
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, list):
        return [failure(path, f"{path} must be a list of maps, got {type_name(value)}")]
    out: list[CheckFailure] = []
    for i, item in enumerate(value):
        out += model_failures(model, item, f"{path}[{i}]")
    return out


def to_model(model: type[M], value: Any) -> M | None:
    """The wire model of an input dict; None and `{}` are None (nothing set)."""
    if not value:
        return None
    return model.model_validate(whole_numbers(value))


def from_model(obj: BaseModel | None) -> dict[str, Any] | None:
    """The input dict of a wire model (snake_case, no None), None when empty.

    Fields a newer control plane adds (not modelled) are left out: the live object
    keeps them, since every update starts from it."""
    if obj is None:
        return None
    out = cast(dict[str, Any], _declared(obj))
    return out or None


def _declared(value: Any) -> Any:
    if isinstance(value, BaseModel):
        out = {}
        for name in type(value).model_fields:
            item = _declared(getattr(value, name))
            if item is not None:
                out[name] = item
        return out
    if isinstance(value, list):
        return [_declared(v) for v in value]
    return value


def whole_numbers(value: Any) -> Any:
    """Whole floats as ints, recursively (protobuf carries every number as a float)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: whole_numbers(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [whole_numbers(v) for v in value]
    return value


def exactly_one(value: Any, keys: tuple[str, ...], path: str) -> list[CheckFailure]:
    """`value` (a dict) sets exactly one of `keys`."""
    if not isinstance(value, dict) or is_unknown(value):
        return []
    given = [k for k in keys if value.get(k) not in (None, False)]
    if len(given) == 1:
        return []
    what = "sets " + ", ".join(given) if given else "sets none"
    return [failure(path, f"{path} must set exactly one of {', '.join(keys)} ({what})")]
