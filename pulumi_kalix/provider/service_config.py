"""CRUD of `KalixServiceConfig` objects for the `ServiceConfig` resource.

The config text is plain (not a secret) on the platform: reads return it, so refresh
sees a hand edit as drift. A change is an update in place (services that reference the
config by name pick it up on their next restart; nothing here restarts them).
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import KalixServiceConfig, ObjectMeta, ServiceConfigSpec
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown, type_name

USER_KEYS = ("name", "config")


def config_failures(value: Any) -> list[CheckFailure]:
    """`spec.config` is required and, as published, a non-empty string."""
    if is_unknown(value):
        return []
    if value is None:
        return [failure("config", "config is required: the HOCON text, e.g. 'akka.x = 1'")]
    if not isinstance(value, str):
        return [failure("config", f"config must be a string of HOCON text, got {type_name(value)}")]
    if not value:
        return [failure("config", "config must not be empty (the platform requires some text)")]
    return []


class ServiceConfigProvider(ObjectProvider[KalixServiceConfig]):
    """The published status holds no condition type that means "ready": no await."""

    noun = "service config"
    diff_keys = USER_KEYS
    input_keys = USER_KEYS
    collection = "service_configs"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        return check_name(news.get("name")) + config_failures(news.get("config"))

    def desired(self, props: Props, current: KalixServiceConfig | None) -> KalixServiceConfig:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        if current is not None:
            spec = current.spec.model_copy(deep=True)
            spec.config = str(props["config"])
        else:
            spec = ServiceConfigSpec(config=str(props["config"]))
        return KalixServiceConfig(metadata=meta, spec=spec)

    def inputs_from(self, obj: KalixServiceConfig) -> Props | None:
        return {"name": obj.metadata.name, "config": obj.spec.config}

    def outputs(self, obj: KalixServiceConfig, props: Props) -> Props:
        return {
            "name": obj.metadata.name,
            "config": obj.spec.config,
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
