"""All rules of the control plane, raising domain errors; no HTTP here."""

from __future__ import annotations

from kalix_local.backend.brokers import BrokerBackend
from kalix_local.backend.container_registry_configs import ContainerRegistryConfigBackend
from kalix_local.backend.core import Core
from kalix_local.backend.external_secrets import ExternalSecretBackend
from kalix_local.backend.hostnames import HostnameBackend
from kalix_local.backend.object_storages import ObjectStorageBackend
from kalix_local.backend.observabilities import ObservabilityBackend
from kalix_local.backend.projects import ProjectBackend, ProjectLifecycle
from kalix_local.backend.role_bindings import RoleBindingBackend
from kalix_local.backend.routes import RouteBackend
from kalix_local.backend.secrets import SecretBackend
from kalix_local.backend.service_configs import ServiceConfigBackend
from kalix_local.backend.service_tokens import ServiceTokenBackend
from kalix_local.backend.services import ServiceBackend
from kalix_local.backend.stores import StoreBackend
from kalix_local.backend.tokens import TokenBackend


class Backend:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.services = ServiceBackend(core)
        self.routes = RouteBackend(core)
        self.secrets = SecretBackend(core)
        self.service_configs = ServiceConfigBackend(core)
        self.external_secrets = ExternalSecretBackend(core)
        self.object_storages = ObjectStorageBackend(core)
        self.stores = StoreBackend(core)
        self.container_registry_configs = ContainerRegistryConfigBackend(core)
        self.brokers = BrokerBackend(core)
        self.observabilities = ObservabilityBackend(core)
        self.hostnames = HostnameBackend(core)
        self.tokens = TokenBackend(core)
        self.projects = ProjectBackend(core, self.tokens)
        self.project_lifecycle = ProjectLifecycle(core)
        self.role_bindings = RoleBindingBackend(core)
        self.service_tokens = ServiceTokenBackend(core)


__all__ = ["Backend", "Core"]
