"""CRUD of `ContainerRegistryConfig` objects for the `ContainerRegistryConfig` resource.

Credentials are secret names (the secrets hold the registry passwords), so the inputs
are plain and refresh reads them back for drift.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    ContainerRegistryConfig,
    ContainerRegistryConfigSpec,
    ObjectMeta,
    ObjectRef,
    RegistryMapping,
    WireValidationError,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import (
    ObjectProvider,
    Props,
    check_name,
    failure,
    is_unknown,
    string_list_failures,
)

USER_KEYS = ("name", "credentials", "mappings")
EXAMPLE = (
    "[{'match': 'registry.example/*', "
    "'regions': [{'name': 'gcp-us-east1', 'registry': 'us.registry.example'}]}]"
)


def mappings_failures(value: Any) -> list[CheckFailure]:
    if value is None or is_unknown(value):
        return []
    if not isinstance(value, list):
        return [failure("mappings", f"mappings must be a list such as {EXAMPLE}")]
    try:
        strict_validate(ContainerRegistryConfigSpec, {"mappings": value})
    except WireValidationError as exc:
        return [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    return []


class ContainerRegistryConfigProvider(ObjectProvider[ContainerRegistryConfig]):
    """The published status has only `resourceSyncStatus`: nothing to await."""

    noun = "container registry config"
    diff_keys = USER_KEYS
    input_keys = USER_KEYS
    collection = "container_registry_configs"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        out += string_list_failures(news, "credentials", "['ghcr-pull']")
        credentials = news.get("credentials")
        if isinstance(credentials, list):
            for i, secret in enumerate(credentials):
                if isinstance(secret, str):
                    out += check_name(secret, f"credentials[{i}]")
        out += mappings_failures(news.get("mappings"))
        if not news.get("credentials") and not news.get("mappings"):
            out.append(failure("credentials", "set credentials (secret names), mappings, or both"))
        return out

    def normalize(self, news: Props) -> Props:
        mappings = news.get("mappings")
        if isinstance(mappings, list) and not is_unknown(mappings):
            news["mappings"] = [RegistryMapping.model_validate(m).to_wire() for m in mappings]
        return news

    def desired(
        self, props: Props, current: ContainerRegistryConfig | None
    ) -> ContainerRegistryConfig:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        spec = current.spec.model_copy(deep=True) if current else ContainerRegistryConfigSpec()
        names = props.get("credentials") or []
        spec.credentials = [ObjectRef(name=str(n)) for n in names] or None
        mappings = props.get("mappings") or []
        spec.mappings = [RegistryMapping.model_validate(m) for m in mappings] or None
        return ContainerRegistryConfig(metadata=meta, spec=spec)

    def inputs_from(self, obj: ContainerRegistryConfig) -> Props | None:
        return {
            "name": obj.metadata.name,
            "credentials": [r.name for r in obj.spec.credentials or []] or None,
            "mappings": [m.to_wire() for m in obj.spec.mappings or []] or None,
        }

    def outputs(self, obj: ContainerRegistryConfig, props: Props) -> Props:
        return {
            **(self.inputs_from(obj) or {}),
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
