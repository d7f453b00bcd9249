"""`pulumi-kalix export` and `import` against kalix-local; the imported program through
the engine harness adopts every object without a change."""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from pulumi_kalix import descriptors as d
from pulumi_kalix.api import KalixSecret, ObjectMeta, SecretSpec
from pulumi_kalix.claims import HOSTNAME_LEDGER
from pulumi_kalix.cli import main
from pulumi_kalix.client import ControlPlane
from pulumi_kalix.descriptors.project import load_project, load_service_any
from tests.descriptors.samples import (
    ADMIN_HASH,
    CA_PEM,
    CERT_PEM,
    EVERY_FIELD_SERVICE_YAML,
    KEY_PEM,
    ROUTE_YAML,
    SERVICE_YAML,
    SIMPLE_SERVICE_YAML,
)
from tests.harness import Engine
from tests.support.federation import control_plane
from tests.support.local_server import KalixLocalServer

REPO = Path(__file__).resolve().parents[2]
SECRET_VALUES = {
    ("db-creds", "password"): "correct horse battery staple",
    ("features", "flags"): "checkout-v2",
    ("acme-root-ca", "ca.crt"): CA_PEM,
    ("acme-tls", "tls.crt"): CERT_PEM,
    ("acme-tls", "tls.key"): KEY_PEM,
}
SECRET_TYPES = {"db-creds": "generic", "features": "generic", "acme-root-ca": "tls-ca"}
#: The optional flag of a secret ref is the one thing kalix.Service cannot carry.
ADOPTABLE_SERVICE_YAML = SERVICE_YAML.replace("        optional: true\n", "")
NOTIFICATIONS_YAML = """\
name: notifications
service:
  env:
  - name: ZONE
    value: eu-west
  - name: API_BASE
    value: /api
  image: acme.example/notifications:3.1
"""


@pytest.fixture
def api(kalix: KalixLocalServer) -> Iterator[ControlPlane]:
    with control_plane(kalix) as client:
        yield client


def flags(server: KalixLocalServer) -> list[str]:
    return ["--api-host", server.api_host, "--token", server.token, "--project", server.project]


def seed(api: ControlPlane, service_yaml: str = ADOPTABLE_SERVICE_YAML) -> str:
    """A project as a team that already runs Kalix has it; returns the generated hostname."""
    by_secret: dict[str, dict[str, str]] = {}
    for (secret, key), value in SECRET_VALUES.items():
        by_secret.setdefault(secret, {})[key] = base64.b64encode(value.encode()).decode()
    for name, data in by_secret.items():
        spec = SecretSpec(type=SECRET_TYPES.get(name, "tls"), data=data)
        api.secrets.create(KalixSecret(metadata=ObjectMeta(name=name), spec=spec))
    api.hostnames.create("ecommerce.acme.org")
    generated = api.hostnames.create().name
    for text in (
        service_yaml,
        SIMPLE_SERVICE_YAML,
        # Variables not in name order, as `kalix service apply` keeps them.
        NOTIFICATIONS_YAML,
    ):
        api.services.create(d.load_service(text).to_kalix_service())
    api.routes.create(d.kalix_route("acme-ecommerce", d.load_route(ROUTE_YAML)))
    storefront = f"host: {generated}\nroutes:\n- prefix: /\n  route:\n    service: product-info\n"
    api.routes.create(d.kalix_route("storefront", d.load_route(storefront)))
    return generated


# -- export -----------------------------------------------------------------------------------


def test_export_service_prints_the_descriptor_it_was_applied_from(
    kalix: KalixLocalServer, api: ControlPlane, capsys: pytest.CaptureFixture[str]
) -> None:
    api.services.create(d.load_service(SERVICE_YAML).to_kalix_service())
    assert main(["export", "service", "shopping-cart", *flags(kalix)]) == 0
    assert capsys.readouterr().out == SERVICE_YAML


def test_export_route_prints_the_descriptor_it_was_created_from(
    kalix: KalixLocalServer, api: ControlPlane, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(api)
    assert main(["export", "route", "acme-ecommerce", *flags(kalix)]) == 0
    assert capsys.readouterr().out == ROUTE_YAML


def test_export_all_prints_one_document_per_object(
    kalix: KalixLocalServer,
    api: ControlPlane,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    generated = seed(api)
    # Connection settings from the environment this time.
    monkeypatch.setenv("AKKA_API_HOST", kalix.api_host)
    monkeypatch.setenv("KALIX_TOKEN", kalix.token)
    monkeypatch.setenv("KALIX_PROJECT", kalix.project)
    assert main(["export", "service", "--all"]) == 0
    out = capsys.readouterr().out
    # A project descriptor, as `akka project export` writes one: each document named.
    docs = list(yaml.safe_load_all(out))
    names = [doc["metadata"]["name"] for doc in docs]
    assert names == ["notifications", "product-info", "shopping-cart"]
    assert {doc["resource"] for doc in docs} == {"Service"}
    assert out.count("\n---\n") == 2
    assert main(["export", "routes", "--all"]) == 0  # the kalix CLI's plural works too
    text = capsys.readouterr().out
    routes = list(yaml.safe_load_all(text))
    assert [r["spec"]["host"] for r in routes] == ["ecommerce.acme.org", generated]
    # ... which the resources read back, each route by its name.
    project = load_project(text)
    assert [doc.name for doc in project.documents] == ["acme-ecommerce", "storefront"]
    route = project.documents[0].route
    assert route is not None and route.to_wire() == d.load_route(ROUTE_YAML).to_wire()
    assert d.load_service(d.dump_service(api.services.get("shopping-cart"))) == (
        load_service_any(out, "shopping-cart")
    )


def test_export_json_and_version(
    kalix: KalixLocalServer, api: ControlPlane, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(api)
    assert main(["export", "service", "product-info", "-o", "json", *flags(kalix)]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data == yaml.safe_load(SIMPLE_SERVICE_YAML)
    with pytest.raises(SystemExit) as exit_:
        main(["--version"])
    assert exit_.value.code == 0
    assert capsys.readouterr().out.startswith("pulumi-kalix ")


def test_export_to_a_file(kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path) -> None:
    api.services.create(d.load_service(SIMPLE_SERVICE_YAML).to_kalix_service())
    target = tmp_path / "product-info.yaml"
    assert main(["export", "service", "product-info", "-f", str(target), *flags(kalix)]) == 0
    assert target.read_text() == SIMPLE_SERVICE_YAML
    assert d.load_service(target).name == "product-info"


def test_export_errors_are_one_line_with_exit_code_1(
    kalix: KalixLocalServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KALIX_RETRY_SECONDS", "1")  # the unreachable case: a short outage budget
    assert main(["export", "service", "nope", *flags(kalix)]) == 1
    err = capsys.readouterr().err
    assert err == "Error: service 'nope' not found in project 'default'\n"
    bad_token = ["--api-host", kalix.api_host, "--token", "wrong", "--project", "default"]
    assert main(["export", "route", "--all", *bad_token]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: the credential was rejected (401)") and err.count("\n") == 1
    unreachable = ["--api-host", "http://127.0.0.1:9", "--token", "t", "--project", "p"]
    assert main(["export", "route", "x", *unreachable]) == 1
    assert "could not reach the Akka platform at http://127.0.0.1:9" in capsys.readouterr().err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    for argv in (["export", "service"], ["export", "service", "a", "--all"], ["export"], []):
        with pytest.raises(SystemExit) as exit_:
            main(argv)
        assert exit_.value.code == 2
    assert "usage: pulumi-kalix" in capsys.readouterr().err


def test_help_reads_like_the_kalix_cli(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["export", "route", "--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert "Exports a route descriptor, as `kalix route export` does" in out
    assert "-f FILE, --file FILE" in out and "--all" in out and "AKKA_TOKEN" in out


# -- import -----------------------------------------------------------------------------------


def snapshot(api: ControlPlane) -> dict[tuple[str, str], tuple[str | None, int | None]]:
    out: dict[tuple[str, str], tuple[str | None, int | None]] = {}
    for kind, objects in (("service", api.services), ("route", api.routes)):
        for obj in objects.list():
            out[(kind, obj.metadata.name)] = (obj.metadata.uid, obj.metadata.generation)
    for secret in api.secrets.list():
        meta = secret.metadata
        if meta.name != HOSTNAME_LEDGER:  # our bookkeeping, made by adopting hostnames
            out[("secret", meta.name)] = (meta.uid, meta.generation)
    for host in api.hostnames.list():
        out[("hostname", host.name)] = (None, None)
    return out


def imported_engine(server: KalixLocalServer, program_dir: Path, state: Path) -> Engine:
    stack_project = yaml.safe_load((program_dir / "Pulumi.yaml").read_text())["name"]
    readme = (program_dir / "README.md").read_text()
    config = server.pulumi_config()
    # The config keys the README asks for, set to the values the secrets hold.
    for (secret, key), value in SECRET_VALUES.items():
        config_key = f"{secret}_{key}".replace(".", "_")
        assert f"pulumi config set --secret {config_key} " in readme
        config[f"{stack_project}:{config_key}"] = value
    if "acme-ecommerce_basic_admin" in readme:  # the route's HTTP basic hash
        config[f"{stack_project}:acme-ecommerce_basic_admin"] = ADMIN_HASH
    return Engine(
        state,
        project=stack_project,
        stack="dev",
        config=config,
        secret_keys=set(config) - {"kalix:apiHost", "kalix:project"},
        program_dir=program_dir,
        provider_env={"PYTHONPATH": str(REPO)},
    )


def test_import_writes_a_program_whose_first_up_adopts_everything_unchanged(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    generated = seed(api)
    before = snapshot(api)
    out = tmp_path / "infra"
    assert main(["import", "--out", str(out), *flags(kalix)]) == 0
    assert sorted(p.name for p in out.iterdir()) == ["Pulumi.yaml", "README.md", "__main__.py"]
    assert "Warning" not in capsys.readouterr().err
    program = (out / "__main__.py").read_text()
    compile(program, "__main__.py", "exec")
    for value in [*SECRET_VALUES.values(), ADMIN_HASH]:  # secret values are never written
        assert value.strip() not in program and value.strip() not in (out / "README.md").read_text()
    assert 'config.require_secret("acme-ecommerce_basic_admin")' in program
    assert 'config.require_secret("db-creds_password")' in program
    assert program.count("    adopt=True,\n") == 11  # 4 secrets, 2 hostnames, 3 services, 2 routes
    assert f'hostname="{generated}"' in program
    assert '"key_id": "signing-key"' in program  # jwt, volume mounts... declared, so kept

    engine = imported_engine(kalix, out, tmp_path / "state.json")
    steps = engine.up(out / "__main__.py")
    kinds = [
        s for s in steps if s.type.startswith("pulumi-python") and "StackIdentity" not in s.type
    ]
    assert sorted(s.op for s in kinds) == ["create"] * 11
    # Adopted, not recreated: same objects, same generations (no rollout, no rewrite).
    assert snapshot(api) == before
    cart = api.services.get("shopping-cart")
    claim = (cart.metadata.annotations or {})["pulumi-kalix.io/claim"]
    assert claim.split(" stack:")[0].endswith("kalix:Service::shopping-cart")
    assert cart.spec.jwt is not None and cart.spec.containers[0].volume_mounts
    assert engine.outputs("storefront")["hostname"] == generated

    second = engine.up(out / "__main__.py")
    assert {s.op for s in second if s.type.startswith("pulumi-python")} == {"same"}
    assert snapshot(api) == before


def test_import_declares_optional_secret_refs(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(api, service_yaml=SERVICE_YAML)  # FEATURE_FLAGS is an optional secret ref
    out = tmp_path / "infra"
    assert main(["import", "--out", str(out), *flags(kalix)]) == 0
    assert "Warning" not in capsys.readouterr().err
    program = (out / "__main__.py").read_text()
    assert "optional_secret_env=" in program
    assert "NOT DECLARED" not in program


def test_import_comments_out_what_adoption_would_change(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seed(api)
    from pulumi_kalix.api.service import Jwt, JwtKey

    # An inline HMAC secret (deprecated JWT keys) is no kalix.Service input: it would be
    # stored in plain text, so adopting would drop it.
    svc = d.load_service(SIMPLE_SERVICE_YAML).to_kalix_service()
    svc.metadata.name = "legacy"
    svc.spec.jwt = Jwt(keys=[JwtKey(key_id="k", algorithm="HS256", hmac_secret_literal="c2VjcmV0")])
    api.services.create(svc)
    out = tmp_path / "infra"
    assert main(["import", "--out", str(out), *flags(kalix)]) == 0
    err = capsys.readouterr().err
    assert "Warning: adopting service 'legacy' would change jwt.keys[0].hmacSecretLiteral" in err
    program = (out / "__main__.py").read_text()
    compile(program, "__main__.py", "exec")
    assert "# service_legacy = kalix.Service(" in program
    assert "NOT DECLARED: adopting service 'legacy'" in program
    assert "c2VjcmV0" not in program
    assert "legacy" in (out / "README.md").read_text()


def test_import_does_not_overwrite_without_force(
    kalix: KalixLocalServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "infra"
    assert main(["import", "--out", str(out), *flags(kalix)]) == 0
    assert main(["import", "--out", str(out), *flags(kalix)]) == 1
    assert "already exists: pass --force" in capsys.readouterr().err
    assert main(["import", "--out", str(out), "--force", *flags(kalix)]) == 0


def test_import_learns_secret_keys_from_env_refs_and_mounted_items() -> None:
    from pulumi_kalix.api import KalixService
    from pulumi_kalix.codegen import secret_keys_in_use

    svc = KalixService.model_validate(
        {
            "metadata": {"name": "cart"},
            "spec": {
                "containers": [
                    {
                        "name": "main",
                        "image": "cart:1",
                        "env": [
                            {
                                "name": "PW",
                                "valueFrom": {"secretKeyRef": {"name": "db", "key": "pw"}},
                            }
                        ],
                        "volumeMounts": [
                            {
                                "mountPath": "/etc/tls",
                                "secret": {
                                    "secretName": "tls",
                                    "items": [{"key": "tls.crt", "path": "cert.pem"}],
                                },
                            }
                        ],
                    }
                ]
            },
        }
    )
    assert secret_keys_in_use([svc]) == {"db": {"pw"}, "tls": {"tls.crt"}}


# -- every field, convert ---------------------------------------------------------------------


def test_export_of_a_service_with_every_field_loses_nothing(
    kalix: KalixLocalServer, api: ControlPlane, capsys: pytest.CaptureFixture[str]
) -> None:
    created = api.services.create(d.load_service(EVERY_FIELD_SERVICE_YAML).to_kalix_service())
    assert main(["export", "service", "every-field", *flags(kalix)]) == 0
    exported = capsys.readouterr().out
    assert exported == EVERY_FIELD_SERVICE_YAML
    # Re-loaded, it is the live object's spec again, field for field.
    live = api.services.get("every-field")
    assert d.load_service(exported).to_spec().to_wire() == live.spec.to_wire()
    assert live.metadata.uid == created.metadata.uid


PROJECT_YAML = """\
resource: Project
resourceVersion: v1
metadata:
  name: acme
spec:
  regions: [gcp-us-east1]
---
resource: Secret
resourceVersion: v1
metadata:
  name: db-creds
spec:
  type: generic
  data:
    password: correct horse battery staple
---
resource: Service
resourceVersion: v1
metadata:
  name: cart
spec:
  image: acme.example/cart:1.0
  resources:
    runtime:
      mode: embedded
  env:
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef: {name: db-creds, key: password}
---
resource: Route
resourceVersion: v1
metadata:
  name: shop
spec:
  validation:
    httpBasic:
      realm: shop
      passwordHashes:
        admin: ADMIN_HASH
  routes:
  - prefix: /
    route:
      service: cart
---
resource: Observability
resourceVersion: v1
spec:
  exporter:
    kalixConsole: {}
""".replace("ADMIN_HASH", ADMIN_HASH)


def test_convert_writes_a_program_with_dependencies_wired_and_no_secret_value(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "project.yaml"
    source.write_text(PROJECT_YAML)
    out = tmp_path / "infra"
    args = ["convert", str(source), "--out", str(out), "--hostname", "shop.acme.org"]
    assert main(args) == 0
    err = capsys.readouterr().err
    assert "is not managed by pulumi-kalix" not in err
    program = (out / "__main__.py").read_text()
    readme = (out / "README.md").read_text()
    compile(program, "__main__.py", "exec")
    # The Project document declares the project (adopted) and everything lives in it.
    assert 'project_acme = kalix.Project(\n    "acme",\n    name="acme",' in program
    assert "PROJECT = project_acme.id" in program
    assert "hostname=host_shop_acme_org.hostname" in program
    assert '"/": service_cart.name' in program
    assert "depends_on=[secret_db_creds]" in program
    assert 'config.require_secret("db-creds_password")' in program
    assert 'config.require_secret("shop_basic_admin")' in program
    for value in ("correct horse battery staple", ADMIN_HASH):
        assert value not in program and value not in readme
    assert "pulumi config set --secret db-creds_password " in readme
    assert "pulumi config set --secret shop_basic_admin " in readme
    assert "1 observability" in readme and "1 project," in readme
    assert 'observability_default = kalix.Observability(\n    "default",\n' in program
    # Refuses to overwrite, in one line with exit code 1.
    assert main(args) == 1
    assert capsys.readouterr().err.count("\n") == 1


def test_convert_names_what_it_cannot_carry_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "service.yaml"
    source.write_text(
        SERVICE_YAML.replace("  image:", "  workloadIdentity:\n    akka: {}\n  image:")
    )
    assert main(["convert", str(source), "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert err.startswith("Error: ") and err.count("\n") == 1
    assert "service.workloadIdentity.akka" in err and "published platform API" in err
    assert not (tmp_path / "out").exists()


def test_convert_then_up_creates_what_the_descriptors_say(
    kalix: KalixLocalServer, api: ControlPlane, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = tmp_path / "service.yaml"
    source.write_text(EVERY_FIELD_SERVICE_YAML)
    route = tmp_path / "every-route.yaml"
    route.write_text(
        "resourceSync:\n  mode: regional\n"
        "routes:\n- prefix: /\n  enableWebsockets: false\n  route:\n    service: every-field\n"
    )
    out = tmp_path / "infra"
    assert main(["convert", str(source), str(route), "--out", str(out)]) == 0
    assert "websockets=False" in (out / "__main__.py").read_text()
    config = kalix.pulumi_config()
    engine = Engine(
        tmp_path / "state.json",
        project=yaml.safe_load((out / "Pulumi.yaml").read_text())["name"],
        stack="dev",
        config=config,
        secret_keys={"kalix:token"},
        program_dir=out,
        provider_env={"PYTHONPATH": str(REPO)},
    )
    # The secrets it reads exist already (kalix-local checks env refs, as the platform).
    data = {"password": base64.b64encode(b"pw").decode()}
    api.secrets.create(
        KalixSecret(
            metadata=ObjectMeta(name="db-creds"), spec=SecretSpec(type="generic", data=data)
        )
    )
    engine.up(out / "__main__.py")
    live = api.services.get("every-field")
    assert d.dump_service(live) == EVERY_FIELD_SERVICE_YAML
    (rule,) = api.routes.get("every-route").spec.routes
    assert rule.enable_web_sockets is False and rule.route.service == "every-field"
    sync = api.routes.get("every-route").spec.resource_sync
    assert sync is not None and sync.mode == "regional"
    second = engine.up(out / "__main__.py")
    assert {s.op for s in second if s.type.startswith("pulumi-python")} == {"same"}


def test_the_readme_convert_example_declares_what_the_readme_says(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    text = (REPO / "README.md").read_text()
    start = text.index("For example, `convert` of")
    block = text[
        text.index("```yaml\n", start) + 8 : text.index("```", text.index("```yaml", start) + 7)
    ]
    source = tmp_path / "project.yaml"
    source.write_text(block)
    assert main(["convert", str(source), "--out", str(tmp_path / "infra")]) == 0
    assert "Warning" not in capsys.readouterr().err  # every kind it has is managed
    program = (tmp_path / "infra" / "__main__.py").read_text()
    assert 'runtime_mode="embedded"' in program
    assert "hostname=host_shop_host.hostname" in program
    assert '"/": service_cart.name' in program
    assert 'observability_default = kalix.Observability(\n    "default",\n' in program


def test_commands_ride_out_an_unreachable_platform_briefly_unless_told(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from pulumi_kalix import cli

    args = cli.build_parser().parse_args(["whoami", "--project", "p"])
    monkeypatch.delenv("KALIX_RETRY_SECONDS", raising=False)
    assert cli._settings(args).retry_seconds == cli.CLI_OUTAGE_SECONDS == 5.0
    monkeypatch.setenv("KALIX_RETRY_SECONDS", "42")
    assert cli._settings(args).retry_seconds == 42.0
