"""A resource class's `Output[...]` annotations are evaluated once, by its first instance
(`pulumi_kalix._program.evaluate_annotations`): the SDK then reads types, not strings to
compile on every registration, and finds the same types; the README reference reads the
same text either way."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
from pulumi import _types

import pulumi_kalix
from pulumi_kalix._program import evaluate_annotations
from tests.test_reference import generator


def _resource_classes() -> list[type[Any]]:
    classes = [getattr(pulumi_kalix, name) for name in pulumi_kalix.__all__]
    return [c for c in classes if inspect.isclass(c) and issubclass(c, pulumi.Resource)]


def test_the_sdk_sees_the_same_types_and_the_reference_the_same_text() -> None:
    gen = generator()
    classes = _resource_classes()
    types_before = {c: _types.resource_types(c) for c in classes}
    text_before = {c: gen.outputs(c) for c in classes}
    for cls in classes:
        evaluate_annotations(cls)
        evaluate_annotations(cls)  # once is enough; again changes nothing
    for cls in classes:
        own = vars(cls)["__annotations__"]
        assert own and not any(isinstance(v, str) for v in own.values()), cls.__name__
        assert _types.resource_types(cls) == types_before[cls], cls.__name__
        assert gen.outputs(cls) == text_before[cls], cls.__name__
