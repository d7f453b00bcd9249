"""CRUD of `ExternalSecret` objects for the `ExternalSecret` resource.

An external secret names where secrets live in a cloud secret store; it holds neither
values nor credentials (the platform reads the store with the service's workload
identity), so its inputs are plain and refresh reads them back for drift.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure

from ..api import (
    AWS_OBJECT_TYPES,
    EXTERNAL_SECRET_PROVIDERS,
    AwsExternalSecret,
    AzureExternalSecret,
    ExternalSecret,
    ExternalSecretSpec,
    GcpExternalSecret,
    ObjectMeta,
    WireModel,
    WireValidationError,
    strict_validate,
)
from ..claims import CLAIM_KEY
from ._base import ObjectProvider, Props, check_name, failure, is_unknown

USER_KEYS = ("name", *EXTERNAL_SECRET_PROVIDERS)
MODELS: dict[str, type[WireModel]] = {
    "aws": AwsExternalSecret,
    "gcp": GcpExternalSecret,
    "azure": AzureExternalSecret,
}
EXAMPLE = "gcp={'project_id': 'acme', 'objects': [{'name': 'db', 'path': 'db/password'}]}"


def _block_failures(provider: str, value: Any) -> list[CheckFailure]:
    if not isinstance(value, dict):
        return [failure(provider, f"{provider} must be a map such as {EXAMPLE}")]
    try:
        block = strict_validate(MODELS[provider], value, prefix=provider)
    except WireValidationError as exc:
        return [failure(c.field, f"{c.field}: {c.message}") for c in exc.causes]
    if isinstance(block, AwsExternalSecret):
        return [
            failure(
                f"aws.objects[{i}].type",
                f"aws.objects[{i}].type is required unless the name is an ARN: one of "
                + ", ".join(AWS_OBJECT_TYPES),
            )
            for i, obj in enumerate(block.objects)
            if obj.type is None and not obj.name.startswith("arn:")
        ]
    return []


class ExternalSecretProvider(ObjectProvider[ExternalSecret]):
    """The published status has only `resourceSyncStatus`: nothing to await."""

    noun = "external secret"
    diff_keys = USER_KEYS
    input_keys = USER_KEYS
    collection = "external_secrets"
    delete_timeout = None  # a plain delete: the name is free at once

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        given = [p for p in EXTERNAL_SECRET_PROVIDERS if news.get(p) is not None]
        if len(given) != 1:
            out.append(
                failure(
                    given[1] if len(given) > 1 else "aws",
                    "set exactly one of aws, gcp or azure (the secret store the secrets "
                    f"live in), e.g. {EXAMPLE}; got " + (", ".join(given) if given else "none"),
                )
            )
            return out
        value = news[given[0]]
        if not is_unknown(value):
            out.extend(_block_failures(given[0], value))
        return out

    def normalize(self, news: Props) -> Props:
        # The wire form (camelCase, no nulls) in state: what refresh reads back compares.
        for provider in EXTERNAL_SECRET_PROVIDERS:
            value = news.get(provider)
            if isinstance(value, dict) and not is_unknown(value):
                news[provider] = MODELS[provider].model_validate(value).to_wire()
        return news

    def desired(self, props: Props, current: ExternalSecret | None) -> ExternalSecret:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        # Start from the live spec: fields we don't manage (resourceSync) survive.
        spec = current.spec.model_copy(deep=True) if current else ExternalSecretSpec()
        spec.aws = AwsExternalSecret.model_validate(props["aws"]) if props.get("aws") else None
        spec.gcp = GcpExternalSecret.model_validate(props["gcp"]) if props.get("gcp") else None
        spec.azure = (
            AzureExternalSecret.model_validate(props["azure"]) if props.get("azure") else None
        )
        return ExternalSecret(metadata=meta, spec=spec)

    def inputs_from(self, obj: ExternalSecret) -> Props | None:
        spec = obj.spec
        return {
            "name": obj.metadata.name,
            "aws": spec.aws.to_wire() if spec.aws else None,
            "gcp": spec.gcp.to_wire() if spec.gcp else None,
            "azure": spec.azure.to_wire() if spec.azure else None,
        }

    def outputs(self, obj: ExternalSecret, props: Props) -> Props:
        return {
            **(self.inputs_from(obj) or {}),
            "uid": obj.metadata.uid or "",
            "project": self.project_of(props),
            "adopt": bool(props.get("adopt")),
            CLAIM_KEY: props.get(CLAIM_KEY),
        }
