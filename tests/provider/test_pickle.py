"""The pickled provider stored in every resource's state: small, by reference, stable."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path

import pytest
from pulumi.dynamic.dynamic import serialize_provider

from pulumi_kalix.provider.broker import BrokerProvider
from pulumi_kalix.provider.container_registry_config import ContainerRegistryConfigProvider
from pulumi_kalix.provider.external_secret import ExternalSecretProvider
from pulumi_kalix.provider.hostname import HostnameProvider
from pulumi_kalix.provider.object_storage import ObjectStorageProvider
from pulumi_kalix.provider.observability import ObservabilityProvider
from pulumi_kalix.provider.route import RouteProvider
from pulumi_kalix.provider.secret import SecretProvider
from pulumi_kalix.provider.service import ServiceProvider
from pulumi_kalix.provider.service_config import ServiceConfigProvider
from pulumi_kalix.provider.store import StoreProvider

PROVIDERS = [
    ServiceProvider,
    HostnameProvider,
    RouteProvider,
    SecretProvider,
    ServiceConfigProvider,
    ExternalSecretProvider,
    ObjectStorageProvider,
    StoreProvider,
    ContainerRegistryConfigProvider,
    BrokerProvider,
    ObservabilityProvider,
]
REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_provider_pickles_by_reference_in_under_1kb(cls: type) -> None:
    blob = serialize_provider(cls())
    assert len(blob) < 1024
    raw = base64.b64decode(blob)
    assert cls.__module__.encode() in raw  # a reference to the module, not the code
    assert b"_create_code" not in raw and b"_create_type" not in raw  # no code by value


@pytest.mark.parametrize("cls", PROVIDERS, ids=lambda c: c.__name__)
def test_provider_pickle_is_identical_from_another_process_and_directory(
    cls: type, tmp_path: Path
) -> None:
    code = (
        "from pulumi.dynamic.dynamic import serialize_provider\n"
        f"from {cls.__module__} import {cls.__name__}\n"
        f"print(serialize_provider({cls.__name__}()))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=tmp_path,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout.strip()
    assert out == serialize_provider(cls())
