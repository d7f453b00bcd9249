"""Project descriptors with every kind the reference documents: each document loads in
its descriptor shape and maps onto its resource (or fails naming the path), `convert`
declares them all and the program previews cleanly, `import` of a live project with one
object of each kind is adopted by `up` unchanged, and `export` writes what a descriptor
can hold."""

from __future__ import annotations

import base64
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from pulumi_kalix import api as wire
from pulumi_kalix._proto import rpc
from pulumi_kalix._proto.kalix.projects.v1alpha import projects_pb2
from pulumi_kalix.claims import HOSTNAME_LEDGER
from pulumi_kalix.cli import main
from pulumi_kalix.client import ControlPlane
from pulumi_kalix.descriptors import DescriptorError, documents
from pulumi_kalix.descriptors.project import load_project
from tests.harness import Engine
from tests.support.federation import access_token, call, channel
from tests.support.local_server import KalixLocalServer

REPO = Path(__file__).resolve().parents[2]
KAFKA_PASSWORD = "kafka-password-value"
SSL_PASSWORD = "client-key-passphrase"
CONNECTION_STRING = "InstrumentationKey=00000000-1111-2222-3333-444444444444"
#: One document of each kind, in the shapes the reference writes them.
EVERY_KIND_YAML = f"""\
resource: Project
resourceVersion: v1
metadata:
  name: acme
spec:
  description: E-commerce application
  organization: acme-org
  regions:
  - us-east-1
---
resource: ServiceConfig
resourceVersion: v1
metadata:
  name: cart-config
spec:
  config: |
    cart.max-items = 100
---
resource: Secret
resourceVersion: v1
metadata:
  name: kafka-credentials
spec:
  type: generic
  data:
    password: {KAFKA_PASSWORD}
---
resource: ExternalSecret
resourceVersion: v1
metadata:
  name: vault
spec:
  azure:
    keyVaultName: my-vault
    tenantID: 09d34770-a00f-4aa1-901c-ecd362555564
    clientID: 10819e36-4be2-4b47-a7d0-8c78c94c14b6
    objects:
    - name: db-password
      type: secret
---
resource: Service
resourceVersion: v1
metadata:
  name: cart
spec:
  image: acme.example/cart:1.0
  serviceConfig: cart-config
  resources:
    runtime:
      mode: embedded
  volumeMounts:
  - mountPath: /secrets
    externalSecret:
      provider: vault
---
resource: Route
resourceVersion: v1
metadata:
  name: shop
spec:
  host: shop.acme.org
  routes:
  - prefix: /
    route:
      service: cart
---
resource: Observability
resourceVersion: v1
spec:
  exporter:
    kalixConsole: {{}}
  traces:
    azureMonitor:
      connectionString: {CONNECTION_STRING}
  logs: {{}}
  traceSampling:
    probabilistic:
      percentage: "10"
---
resource: Broker
resourceVersion: v1
spec:
  type: kafka
  description: Production Kafka cluster
  kafka:
    authMechanism: SCRAM-SHA-256
    servers: kafka-1.acme.org:9092,kafka-2.acme.org:9092
    username: akka-service
    passwordSecret: kafka-credentials/password
    caCertSecret: kafka-credentials
---
resource: RoleBindings
resourceVersion: v1
spec:
  bindings:
  - group: platform-admins
    role: admin
  - group: developers
    role: developer
"""


def _only(text: str, kind: str) -> Any:
    (doc,) = load_project(text, strict=False).of_kind(kind)
    return doc


def test_every_kind_loads_and_maps_field_by_field_onto_its_resource() -> None:
    project = load_project(EVERY_KIND_YAML, strict=False)
    assert [d.kind for d in project.documents] == [
        *("Project", "ServiceConfig", "Secret", "ExternalSecret", "Service", "Route"),
        *("Observability", "Broker", "RoleBindings"),
    ]
    assert [d.kind for d in project.unmanaged] == ["Project"]
    assert project.project == "acme"
    meta = _only(EVERY_KIND_YAML, "Project").project
    assert meta.regions == ["us-east-1"] and meta.organization == "acme-org"

    config = _only(EVERY_KIND_YAML, "ServiceConfig")
    assert documents.service_config_inputs(config.name, config.service_config) == {
        "name": "cart-config",
        "config": "cart.max-items = 100\n",
    }
    vault = _only(EVERY_KIND_YAML, "ExternalSecret")
    azure = documents.external_secret_inputs(vault.name, vault.external_secret)["azure"]
    # The reference's tenantID/clientID are the API's tenantId/clientId.
    assert azure["tenantId"].startswith("09d3") and azure["clientId"].startswith("1081")

    obs = _only(EVERY_KIND_YAML, "Observability")
    assert obs.name == documents.DEFAULT_NAME  # a singleton names none
    inputs, connection = documents.observability_inputs(obs.name, obs.observability)
    assert connection == CONNECTION_STRING
    assert inputs == {
        "name": "default",
        "exporters": [{"kalixConsole": {}}],  # v1 `exporter:` is the default list
        "traces": [{"azureMonitor": {}}],  # the string goes to its own secret input
        "trace_sampling": {"probabilistic": {"percentage": "10"}},
    }  # `logs: {}` (v1) sets none

    broker = _only(EVERY_KIND_YAML, "Broker")
    assert documents.broker_inputs(broker.name, broker.broker) == {
        "name": "default",
        "type": "kafka",
        "description": "Production Kafka cluster",
        "kafka": {
            "servers": ["kafka-1.acme.org:9092", "kafka-2.acme.org:9092"],
            "username": "akka-service",
            "authMechanism": "SCRAM-SHA-256",
            "passwordSecret": {"name": "kafka-credentials", "key": "password"},
            # A bare name takes the CLI's default key.
            "caCertSecret": {"name": "kafka-credentials", "key": "ca.crt"},
        },
    }
    bindings = _only(EVERY_KIND_YAML, "RoleBindings").role_bindings
    assert documents.role_binding_inputs(bindings) == [
        {
            "resource_name": "admin-platform-admins",
            "role": "admin",
            "principal": "groups/platform-admins",
        },
        {
            "resource_name": "developer-developers",
            "role": "developer",
            "principal": "groups/developers",
        },
    ]


def test_the_observability_descriptors_list_form_loads_too() -> None:
    text = (
        "resource: Observability\nresourceVersion: v2\nspec:\n  exporters:\n"
        "  - kalixConsole: {}\n  logs:\n  - googleCloud:\n      serviceAccountKeySecret:\n"
        "        name: gcp-credentials\n  - splunkHec:\n      endpoint: https://splunk:8088\n"
        "      tokenSecret: {name: splunk, key: token}\n  metrics: []\n  traces: []\n"
    )
    obs = _only(text, "Observability")
    inputs, connection = documents.observability_inputs(obs.name, obs.observability)
    assert connection is None
    assert inputs["logs"] == [
        {"googleCloud": {"serviceAccountKeySecret": {"name": "gcp-credentials"}}},
        {
            "splunkHec": {
                "endpoint": "https://splunk:8088",
                "tokenSecret": {"name": "splunk", "key": "token"},
            }
        },
    ]
    assert "metrics" not in inputs and "traces" not in inputs


BROKER = "resource: Broker\nresourceVersion: v1\nspec:\n"
OBSERVABILITY = "resource: Observability\nresourceVersion: v1\nspec:\n"


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            OBSERVABILITY + "  exporter: {kalixConsole: {}}\n  runtimeLogs: {minSeverity: info}\n",
            "spec.runtimeLogs",
            "not in the published platform API",
        ),
        (
            OBSERVABILITY + "  logs:\n    kalixConsole: {}\n",
            "spec.logs.kalixConsole",
            "not an exporter of logs",
        ),
        (
            OBSERVABILITY + "  exporter: {otlp: {endpoint: a:1}, kalixConsole: {}}\n",
            "spec.exporter",
            "an exporter is one block",
        ),
        (
            OBSERVABILITY + "  exporter: {kalixConsole: {}}\n  exporters: [{kalixConsole: {}}]\n",
            "spec.exporter",
            "not both",
        ),
        (
            BROKER + "  type: google-pubsub\n  gcpKey: gcp-service-account\n",
            "spec.gcpKey",
            "name the key too, as `secret-name/key`",
        ),
        (
            BROKER + "  type: kafka\n  kafka: {authMechanism: PLAIN, servers: 'a:1,', "
            "username: u, passwordSecret: kafka/password}\n",
            "spec.kafka.servers",
            "an empty server",
        ),
        (
            BROKER + "  type: kafka\n  kafka: {authMechanism: PLAIN, servers: 'a:1', "
            "username: u, passwordSecret: kafka}\n",
            "spec.kafka.passwordSecret",
            "must be a secret reference `secret-name/key`",
        ),
        (
            BROKER + "  type: kafka\n  gcpKey: gcp/key.json\n  kafka: {authMechanism: PLAIN, "
            "servers: 'a:1', username: u, passwordSecret: kafka/password}\n",
            "spec.gcpKey",
            "is not read when type is 'kafka'",
        ),
        (
            BROKER + "  type: eventhubs\n  eventhubs:\n    connectionString: x\n",
            "spec.eventhubs.connectionString",
            "unknown key",
        ),
        (
            "resource: ExternalSecret\nresourceVersion: v1\nmetadata: {name: both}\nspec:\n"
            "  gcp: {projectId: p, objects: [{name: a, path: a}]}\n"
            "  aws: {objects: [{name: b, type: ssmparameter}]}\n",
            "spec",
            "give exactly one of aws, gcp, azure",
        ),
        (
            "resource: RoleBindings\nresourceVersion: v1\nspec:\n  bindings:\n"
            "  - {group: ops, role: owner}\n",
            "spec.bindings[0].role",
            "'admin', 'developer', 'viewer' or 'backoffice'",
        ),
        (
            "resource: ServiceConfig\nresourceVersion: v1\nmetadata: {name: c, region: eu}\n"
            "spec: {config: a = 1}\n",
            "metadata.region",
            "a document for one region cannot be represented",
        ),
        (
            OBSERVABILITY
            + "  exporter: {kalixConsole: {}}\n---\n"
            + OBSERVABILITY
            + "  exporter: {kalixConsole: {}}\n",
            "metadata.name",
            "only one exists per project",
        ),
    ],
)
def test_what_no_resource_input_carries_is_refused_naming_its_path(
    text: str, path: str, message: str
) -> None:
    with pytest.raises(DescriptorError) as err:
        load_project(text, strict=False)
    (problem,) = err.value.problems
    assert problem.path == path and message in problem.message
    assert problem.line is not None


def _convert(tmp_path: Path, text: str) -> Path:
    source = tmp_path / "project.yaml"
    source.write_text(text)
    out = tmp_path / "infra"
    assert main(["convert", str(source), "--out", str(out)]) == 0
    return out


def _ruff(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "ruff",
            "check",
            "--no-cache",
            "--config",
            str(REPO / "pyproject.toml"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )


def test_convert_declares_every_kind_without_a_secret_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = _convert(tmp_path, EVERY_KIND_YAML)
    err = capsys.readouterr().err
    assert "Project 'acme' is not managed" not in err
    program = (out / "__main__.py").read_text()
    # The Project document is the project: adopted (created when missing), never deleted.
    assert (
        'project_acme = kalix.Project(\n    "acme",\n    name="acme",\n'
        '    description="E-commerce application",\n    organization="acme-org",\n'
        '    region="us-east-1",\n    adopt=True,\n)\n\nPROJECT = project_acme.id\n'
    ) in program
    assert "allow_delete" not in program
    readme = (out / "README.md").read_text()
    for value in (KAFKA_PASSWORD, CONNECTION_STRING, "InstrumentationKey"):
        assert value not in program and value not in readme
    assert (
        "    azure_monitor_connection_string=config.require_secret(\n"
        '        "observability_azure_monitor_connection_string"\n    ),'
    ) in program
    assert "pulumi config set --secret observability_azure_monitor_connection_string " in readme
    # References between documents.
    assert "service_config=service_config_cart_config.name," in program
    assert "depends_on=[external_secret_vault]" in program
    assert "depends_on=[secret_kafka_credentials]" in program
    for ctor in ("ServiceConfig", "ExternalSecret", "Observability", "Broker", "Service"):
        assert f"= kalix.{ctor}(\n" in program
    # The federation plane's role bindings, one per binding (no adopt= there).
    assert (
        'role_binding_admin_platform_admins = kalix.RoleBinding(\n    "admin-platform-admins",\n'
        '    role="admin",\n    principal="groups/platform-admins",\n    project=PROJECT,\n'
        "    adopt=True,\n)"
    ) in program
    assert program.count("= kalix.RoleBinding(") == 2
    assert "2 role bindings" in readme
    result = _ruff(out / "__main__.py")
    assert result.returncode == 0, result.stdout + result.stderr


def _converted_engine(kalix: KalixLocalServer, out: Path, state: Path) -> Engine:
    """An Engine for the program convert wrote to `out`, with the secrets it asks for."""
    stack_project = yaml.safe_load((out / "Pulumi.yaml").read_text())["name"]
    config = kalix.pulumi_config()
    config[f"{stack_project}:kafka-credentials_password"] = KAFKA_PASSWORD
    config[f"{stack_project}:observability_azure_monitor_connection_string"] = CONNECTION_STRING
    return Engine(
        state,
        project=stack_project,
        stack="dev",
        config=config,
        secret_keys=set(config) - {"kalix:apiHost", "kalix:project"},
        program_dir=out,
        provider_env={"PYTHONPATH": str(REPO)},
    )


def test_convert_of_a_project_descriptor_with_every_kind_previews_cleanly(
    kalix: KalixLocalServer, tmp_path: Path
) -> None:
    out = _convert(tmp_path, EVERY_KIND_YAML)
    program = (out / "__main__.py").read_text()
    engine = _converted_engine(kalix, out, tmp_path / "state.json")
    steps = engine.preview(out / "__main__.py")  # a check failure raises EngineError
    ours = {s.type.rsplit(":", 1)[-1] for s in steps if s.op == "create" and "kalix:" in s.type}
    assert {
        *("Secret", "ServiceConfig", "ExternalSecret", "Service", "Hostname", "Route"),
        *("Observability", "Broker", "Project", "RoleBinding"),
    } <= ours
    kinds = [s for s in steps if "kalix:" in s.type and "StackIdentity" not in s.type]
    assert {s.op for s in kinds} == {"create"} and len(kinds) == program.count("= kalix.")


# -- import and export --------------------------------------------------------------------------

#: One object of each control-plane kind (wire form), as a team that used the akka CLI
#: has them; the secrets they name exist.
LIVE = {
    "service_configs": {"metadata": {"name": "cart-config"}, "spec": {"config": "cart.max = 1"}},
    "external_secrets": {
        "metadata": {"name": "vault"},
        "spec": {"gcp": {"projectId": "acme", "objects": [{"name": "db", "path": "db"}]}},
    },
    "object_storages": {
        "metadata": {"name": "default"},
        "spec": {
            "buckets": [
                {
                    "name": "media",
                    "bucket": "acme-media",
                    "provider": "s3",
                    "region": "eu-west-1",
                    "credentials": {
                        "type": "static",
                        "accessKeyId": {"name": "s3-creds", "key": "id"},
                        "secretAccessKey": {"name": "s3-creds", "key": "secret"},
                    },
                }
            ]
        },
    },
    "stores": {
        "metadata": {"name": "pg"},
        "spec": {
            "postgres": {
                "host": "db.acme.org",
                "database": "shop",
                "credentials": {"secret": {"name": "db-creds"}},
                "ssl": {
                    "secret": {"name": "db-tls"},
                    "mode": "verify-full",
                    "password": SSL_PASSWORD,
                },
            }
        },
    },
    "container_registry_configs": {
        "metadata": {"name": "registries"},
        "spec": {
            "mappings": [
                {"match": "acme.example/*", "regions": [{"name": "us-east-1", "registry": "r.us"}]}
            ]
        },
    },
    "brokers": {
        "metadata": {"name": "default"},
        "spec": {
            "type": "kafka",
            "description": "events",
            "kafka": {
                "servers": ["kafka-1.acme.org:9092", "kafka-2.acme.org:9092"],
                "username": "svc",
                "authMechanism": "SCRAM-SHA-512",
                "passwordSecret": {"name": "kafka", "key": "password"},
            },
        },
    },
    "observabilities": {
        "metadata": {"name": "default"},
        "spec": {
            "exporters": [{"kalixConsole": {}}],
            "traces": [
                {"otlp": {"endpoint": "collector.acme.org:4317"}},
                {"azureMonitor": {"connectionString": CONNECTION_STRING}},
            ],
            "logLevel": "info",
        },
    },
}
LIVE_SECRETS = {
    ("kafka", "password"): KAFKA_PASSWORD,
    ("s3-creds", "id"): "AKIA",
    ("s3-creds", "secret"): "s3-secret-value",
}
CART_YAML = "name: cart\nservice:\n  image: acme.example/cart:1.0\n  serviceConfig: cart-config\n"


def _seed(api: ControlPlane) -> None:
    by_secret: dict[str, dict[str, str]] = {}
    for (secret, key), value in LIVE_SECRETS.items():
        by_secret.setdefault(secret, {})[key] = base64.b64encode(value.encode()).decode()
    for name, data in by_secret.items():
        spec = wire.SecretSpec(type="generic", data=data)
        api.secrets.create(wire.KalixSecret(metadata=wire.ObjectMeta(name=name), spec=spec))
    for collection, data in LIVE.items():
        objects = getattr(api, collection)
        objects.create(objects.ops.model.model_validate(data))
    from pulumi_kalix import descriptors as d

    api.services.create(d.load_service(CART_YAML).to_kalix_service())


def _snapshot(api: ControlPlane) -> dict[tuple[str, str], tuple[Any, Any, Any]]:
    out = {}
    for collection in ("services", "secrets", *LIVE):
        for obj in getattr(api, collection).list():
            meta = obj.metadata
            if meta.name != HOSTNAME_LEDGER:
                spec = obj.spec.to_wire() if collection != "secrets" else None
                out[(collection, meta.name)] = (meta.uid, meta.generation, spec)
    return out


def _flags(server: KalixLocalServer) -> list[str]:
    return ["--api-host", server.api_host, "--token", server.token, "--project", server.project]


@pytest.fixture
def api(kalix: KalixLocalServer) -> Any:
    from tests.support.federation import control_plane

    with control_plane(kalix) as client:
        yield client


def test_import_declares_every_kind_and_up_adopts_them_unchanged(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(api)
    before = _snapshot(api)
    # A role binding on the federation plane: imported (adopted) too.
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        parent = f"projects/{kalix.project_id()}"
        call(
            rpc.CREATE_ROLE_BINDING,
            chan,
            projects_pb2.CreateRoleBindingRequest(
                parent=f"{parent}/roles/viewer",
                role_binding=projects_pb2.RoleBinding(principal="users/imported-1"),
            ),
            token,
        )
    out = tmp_path / "infra"
    assert main(["import", "--out", str(out), *_flags(kalix)]) == 0
    assert "Warning" not in capsys.readouterr().err
    program = (out / "__main__.py").read_text()
    readme = (out / "README.md").read_text()
    for value in (*LIVE_SECRETS.values(), SSL_PASSWORD, CONNECTION_STRING):
        assert value not in program and value not in readme
    # What reads never show is asked for, as secret data is.
    assert "pulumi config set --secret observability_azure_monitor_connection_string " in readme
    assert "pulumi config set --secret pg_ssl_password " in readme
    for ctor in (
        *("ServiceConfig", "ExternalSecret", "ObjectStorage", "Store"),
        *("ContainerRegistryConfig", "Broker", "Observability", "Service", "Secret"),
    ):
        assert f"= kalix.{ctor}(\n" in program, ctor
    assert "service_config=service_config_cart_config.name," in program
    # The keys of a secret are learned from what names them (the broker, the buckets).
    assert 'config.require_secret("kafka_password")' in program
    assert 'config.require_secret("s3-creds_secret")' in program
    assert "depends_on=[secret_s3_creds]" in program and "depends_on=[secret_kafka]" in program
    assert (
        'role_binding_viewer_imported_1 = kalix.RoleBinding(\n    "viewer-imported-1",\n'
        '    role="viewer",\n    principal="users/imported-1",\n'
    ) in program
    assert "1 role binding" in readme
    result = _ruff(out / "__main__.py")
    assert result.returncode == 0, result.stdout + result.stderr

    stack_project = yaml.safe_load((out / "Pulumi.yaml").read_text())["name"]
    config = kalix.pulumi_config()
    for (secret, key), value in LIVE_SECRETS.items():
        config[f"{stack_project}:{secret}_{key}"] = value
    config[f"{stack_project}:observability_azure_monitor_connection_string"] = CONNECTION_STRING
    config[f"{stack_project}:pg_ssl_password"] = SSL_PASSWORD
    engine = Engine(
        tmp_path / "state.json",
        project=stack_project,
        stack="dev",
        config=config,
        secret_keys=set(config) - {"kalix:apiHost", "kalix:project"},
        program_dir=out,
        provider_env={"PYTHONPATH": str(REPO)},
    )
    steps = engine.up(out / "__main__.py")
    ours = [s for s in steps if "kalix:" in s.type and "StackIdentity" not in s.type]
    assert sorted(s.op for s in ours) == ["create"] * program.count("    adopt=True,\n")
    assert len(ours) == 2 + 1 + len(LIVE) + 1  # secrets, service, each kind, the binding
    # Adopted, not recreated: same objects, same generations, same specs.
    assert _snapshot(api) == before
    second = engine.up(out / "__main__.py")
    assert {s.op for s in second if s.type.startswith("pulumi-python")} == {"same"}
    assert _snapshot(api) == before
    with channel(kalix) as chan:
        listed = call(
            rpc.LIST_ROLE_BINDINGS, chan, projects_pb2.ListRoleBindingsRequest(parent=parent), token
        )
    assert [b.principal for b in listed.role_bindings] == ["users/imported-1"]  # adopted, one


def test_export_project_writes_every_kind_a_descriptor_holds_and_names_the_rest(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(api)
    target = tmp_path / "project.yaml"
    assert main(["export", "project", "-f", str(target), *_flags(kalix)]) == 0
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("Warning: left out of the descriptor")
    for named in (
        "object storage 'default'",
        "store 'pg'",
        "container registry config 'registries'",
    ):
        assert f"{named} (no project-descriptor form)" in err
    text = target.read_text()
    for value in (*LIVE_SECRETS.values(), SSL_PASSWORD, CONNECTION_STRING):
        assert value not in text
    project = load_project(text, strict=False)  # what export writes, the loader reads
    assert [(d.kind, d.name) for d in project.documents] == [
        ("Service", "cart"),
        ("ServiceConfig", "cart-config"),
        ("Secret", "kafka"),
        ("Secret", "s3-creds"),
        ("ExternalSecret", "vault"),
        ("Observability", "default"),
        ("Broker", "default"),
    ]
    kafka = project.of_kind("Secret")[0].secret
    assert kafka.data == {"password": "NOT EXPORTED"}
    broker = project.of_kind("Broker")[0]
    live = LIVE["brokers"]["spec"]
    assert documents.broker_inputs(broker.name, broker.broker) == {"name": "default", **live}
    obs = project.of_kind("Observability")[0]
    inputs, connection = documents.observability_inputs(obs.name, obs.observability)
    assert connection == "NOT EXPORTED"  # reads never show it
    assert inputs == {
        "name": "default",
        "exporters": [{"kalixConsole": {}}],
        "traces": [{"otlp": {"endpoint": "collector.acme.org:4317"}}, {"azureMonitor": {}}],
        "log_level": "info",
    }
    vault = project.of_kind("ExternalSecret")[0]
    assert documents.external_secret_inputs(vault.name, vault.external_secret) == {
        "name": "vault",
        **LIVE["external_secrets"]["spec"],
    }


def test_up_of_the_converted_program_creates_what_each_document_says(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path
) -> None:
    source = tmp_path / "project.yaml"
    source.write_text(EVERY_KIND_YAML)
    out = tmp_path / "infra"
    assert main(["convert", str(source), "--out", str(out), "--project", kalix.project]) == 0
    engine = _converted_engine(kalix, out, tmp_path / "state.json")
    engine.up(out / "__main__.py")
    assert api.service_configs.get("cart-config").spec.config == "cart.max-items = 100\n"
    cart = api.services.get("cart")
    assert cart.spec.service_config is not None
    assert cart.spec.service_config.name == "cart-config"
    vault = api.external_secrets.get("vault").spec.azure
    assert vault is not None and vault.tenant_id == "09d34770-a00f-4aa1-901c-ecd362555564"
    broker = api.brokers.get("default").spec
    assert broker.kafka is not None
    assert broker.kafka.servers == ["kafka-1.acme.org:9092", "kafka-2.acme.org:9092"]
    assert broker.kafka.password_secret.to_wire() == {
        "name": "kafka-credentials",
        "key": "password",
    }
    assert broker.kafka.ca_cert_secret is not None and broker.kafka.ca_cert_secret.key == "ca.crt"
    obs = api.observabilities.get("default").spec.to_wire()
    assert obs["exporters"] == [{"kalixConsole": {}}]
    assert [list(e) for e in obs["traces"]] == [["azureMonitor"]]
    assert obs["traceSampling"] == {"probabilistic": {"percentage": "10"}}
    program = (out / "__main__.py").read_text()
    assert "kalix.Project(" not in program  # --project names the project instead
    with channel(kalix) as chan:
        token = access_token(chan, kalix.token).token
        listed = call(
            rpc.LIST_ROLE_BINDINGS,
            chan,
            projects_pb2.ListRoleBindingsRequest(parent=f"projects/{kalix.project_id()}"),
            token,
        )
    bound = {(b.name.split("/")[3], b.principal) for b in listed.role_bindings}
    assert {("admin", "groups/platform-admins"), ("developer", "groups/developers")} <= bound
    second = engine.up(out / "__main__.py")
    assert {s.op for s in second if s.type.startswith("pulumi-python")} == {"same"}
    engine.destroy()
