"""pulumi_kalix.descriptors: strict load, stable dump, descriptor <-> wire <-> inputs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from pulumi_kalix import descriptors as d
from pulumi_kalix.api import KalixRoute, KalixService
from tests.descriptors.samples import (
    ADMIN_HASH,
    EVERY_FIELD_SERVICE_YAML,
    REFERENCE_EXPORT,
    ROUTE_YAML,
    SERVICE_YAML,
    SIMPLE_SERVICE_YAML,
)

# -- round trips ----------------------------------------------------------------------------


@pytest.mark.parametrize("text", [SERVICE_YAML, SIMPLE_SERVICE_YAML, EVERY_FIELD_SERVICE_YAML])
def test_service_descriptor_round_trips_through_the_wire_byte_for_byte(text: str) -> None:
    obj = d.load_service(text).to_kalix_service()
    # Through JSON as the API carries it, then back to a descriptor.
    wire = KalixService.model_validate(obj.to_wire())
    assert d.dump_service(wire) == text


def test_service_descriptor_maps_the_flat_service_onto_container_main() -> None:
    spec = d.load_service(SERVICE_YAML).to_kalix_service().to_wire()["spec"]
    (container,) = spec["containers"]
    assert container["name"] == "main"
    assert container["image"] == "acme.example/shopping-cart:1.4.2"
    assert [e["name"] for e in container["env"]] == ["LOG_LEVEL", "DB_PASSWORD", "FEATURE_FLAGS"]
    assert container["volumeMounts"][0]["secret"] == {
        "secretName": "acme-certs",
        "defaultMode": 420,
        "optional": False,
    }
    assert spec["resources"]["autoscaling"] == {
        "minInstances": 2,
        "maxInstances": 6,
        "cpuUsageThreshold": 70,
    }
    assert spec["jwt"]["keys"][0]["keyId"] == "signing-key"
    assert spec["telemetry"] == {"tracing": {"enabled": True}}


def test_route_descriptor_round_trips_through_the_wire_byte_for_byte() -> None:
    obj = d.kalix_route("acme-ecommerce", d.load_route(ROUTE_YAML))
    wire = KalixRoute.model_validate(obj.to_wire())
    assert [r.prefix for r in wire.spec.routes] == ["/carts", "/live", "/"]  # order kept
    assert d.dump_route(wire) == ROUTE_YAML


def test_dump_sorts_keys_whatever_order_they_were_written_in() -> None:
    data = yaml.safe_load(ROUTE_YAML)
    backwards = yaml.safe_dump(dict(reversed(list(data.items()))), sort_keys=False)
    assert backwards != ROUTE_YAML
    assert d.dump_route(d.load_route(backwards)) == ROUTE_YAML


def test_the_reference_flow_style_export_loads_and_dumps_in_block_style() -> None:
    spec = d.load_route(REFERENCE_EXPORT)
    assert spec.cors_policy is not None
    assert spec.cors_policy.allow_origins == ["https://www.acme.org"]
    assert d.dump_route(spec) == (
        "corsPolicy:\n"
        "  allowMethods:\n"
        "  - GET\n"
        "  - POST\n"
        "  allowOrigins:\n"
        "  - https://www.acme.org\n"
        "host: ecommerce.acme.org\n"
        "routes:\n"
        "- prefix: /carts\n"
        "  route:\n"
        "    service: shopping-cart\n"
    )


def test_dump_leaves_out_fields_a_newer_control_plane_adds() -> None:
    wire = d.load_service(SIMPLE_SERVICE_YAML).to_kalix_service().to_wire()
    wire["spec"]["containers"][0]["resources"] = {"limits": {"cpu": "1"}}
    wire["spec"]["futureField"] = {"mode": "none"}
    wire["spec"]["paused"] = False
    assert d.dump_service(KalixService.model_validate(wire)) == SIMPLE_SERVICE_YAML
    # ... and names them, for export to say so.
    assert d.unpublished_fields(KalixService.model_validate(wire).spec, "spec") == [
        "spec.futureField",
        "spec.containers[0].resources",
    ]


def test_octal_default_modes_are_read_as_octal() -> None:
    for mode in ("0644", "'0644'"):
        text = SERVICE_YAML.replace("defaultMode: 420", f"defaultMode: {mode}")
        desc = d.load_service(text)
        assert desc.service.volume_mounts is not None
        secret = desc.service.volume_mounts[0].secret
        assert secret is not None and secret.default_mode == 0o644


def test_load_reads_a_file_path(tmp_path: Path) -> None:
    path = tmp_path / "service.yaml"
    path.write_text(SERVICE_YAML)
    assert d.load_service(path).name == "shopping-cart"
    assert d.load_service(str(path)).name == "shopping-cart"
    with pytest.raises(d.DescriptorError, match="cannot read the descriptor") as err:
        d.load_service(str(tmp_path / "missing.yaml"))
    assert err.value.source == str(tmp_path / "missing.yaml")


def test_descriptors_module_imports_no_pulumi() -> None:
    code = "import sys, pulumi_kalix.descriptors; print('pulumi' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


# -- strictness -------------------------------------------------------------------------------


def errors(text: str, route: bool = False) -> d.DescriptorError:
    with pytest.raises(d.DescriptorError) as err:
        (d.load_route if route else d.load_service)(text)
    return err.value


def test_a_misspelled_key_names_its_path_line_and_the_allowed_keys() -> None:
    err = errors(SERVICE_YAML.replace("  env:\n", "  envv:\n"))
    assert err.path == "service.envv"
    assert err.line == 3
    assert str(err) == (
        "line 3: service.envv: unknown key "
        "(allowed: annotations, env, image, jwt, labels, objectStorage, replication, "
        "resourceSync, resources, serviceConfig, storeConfig, telemetry, tls, volumeMounts, "
        "workloadIdentity)"
    )


@pytest.mark.parametrize(
    ("old", "new", "path", "allowed"),
    [
        ("service:\n", "spec:\n", "spec", "name, service"),
        (
            "      keyId:",
            "      kid:",
            "service.jwt.keys[0].kid",
            "algorithm, hmacSecretLiteral, issuer, keyId",
        ),
        (
            "      secretName:",
            "      secret_name:",
            "service.volumeMounts[0].secret.secret_name",
            "defaultMode, items, optional, secretName",
        ),
        (
            "      minInstances:",
            "      min_instances:",
            "service.resources.autoscaling.min_instances",
            "cpuUsageThreshold, maxInstances, minInstances",
        ),
        ("    tracing:", "    traces:", "service.telemetry.traces", "resourceAttributes, tracing"),
    ],
)
def test_unknown_keys_at_every_depth_fail(old: str, new: str, path: str, allowed: str) -> None:
    assert old in SERVICE_YAML
    err = errors(SERVICE_YAML.replace(old, new, 1))
    assert err.path == path
    assert f"unknown key (allowed: {allowed}" in str(err)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        ("- name: carts\n", "- nmae: carts\n", "routes[0].nmae"),
        ("  allowOrigins:", "  allowOrigin:", "corsPolicy.allowOrigin"),
        (
            "    - hasSuffix:",
            "    - suffix:",
            "validation.clientCertificate.subjectMatches[0].suffix",
        ),
        ("  serverCertificate:", "  serverCert:", "tls.serverCert"),
    ],
)
def test_unknown_route_keys_fail(old: str, new: str, path: str) -> None:
    text = (ROUTE_YAML if old in ROUTE_YAML else REFERENCE_EXPORT).replace(old, new, 1)
    assert text not in (ROUTE_YAML, REFERENCE_EXPORT)
    assert errors(text, route=True).path == path


def test_yaml_syntax_errors_report_the_line() -> None:
    err = errors("name: cart\nservice:\n  image: acme/cart:1\n  env: [\n")
    assert err.line is not None and err.line >= 4
    assert "invalid YAML" in str(err)
    err = errors("name: cart\nservice:\n  image: acme/cart:1\n   bad: indent\n")
    assert err.line == 4


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            "name: a\nservice:\n  image: x\n  env:\n  - name: A\n",
            "service.env[0]",
            "exactly one of value and valueFrom",
        ),
        (
            "name: a\nservice:\n  image: x\n  env:\n  - name: A\n    value: v\n    valueFrom:\n"
            "      secretKeyRef: {name: s, key: k}\n",
            "service.env[0]",
            "exactly one of",
        ),
        ("name: a\nservice:\n  env: []\n", "service.image", "Field required"),
        ("name: a\n", "service", "Field required"),
        ("name: a\nservice:\n  image: 3\n", "service.image", "valid string"),
        ("name: a\nname: b\nservice: {image: x}\n", "name", "duplicate key"),
        (
            "name: a\nservice:\n  image: x\n  resources:\n    autoscaling:\n      minInstances: 5\n"
            "      maxInstances: 2\n",
            "service.resources.autoscaling.minInstances",
            "must not exceed",
        ),
        (
            "name: a\nservice:\n  image: x\n  resources:\n    autoscaling:\n"
            "      maxInstances: 11\n",
            "service.resources.autoscaling.maxInstances",
            "less than or equal to 10",
        ),
        (
            "name: a\nservice:\n  image: x\n  jwt:\n    keys:\n    - {keyId: k, algorithm: HS999, "
            "secret: {name: s}}\n",
            "service.jwt.keys[0].algorithm",
            "not supported",
        ),
        (
            "name: a\nservice:\n  image: x\n  volumeMounts:\n  - mountPath: /a\n    secret:\n"
            "      secretName: s\n      defaultMode: 1000\n",
            "service.volumeMounts[0].secret.defaultMode",
            "0000..0777",
        ),
        ("- name: a\n", "", "must be a YAML mapping"),
    ],
)
def test_service_rules(text: str, path: str, message: str) -> None:
    err = errors(text)
    assert err.path == path
    assert message in str(err)


@pytest.mark.parametrize(
    ("old", "new", "path", "message"),
    [
        ("  prefix: /carts\n", "  prefix: carts\n", "routes[0].prefix", "should match pattern"),
        ("  prefix: /carts\n", "", "routes[0].prefix", "is required"),
        ("  - POST\n", "  - FETCH\n", "corsPolicy.allowMethods[1]", "not a CORS method"),
        (
            "    - hasSuffix: .acme.org\n",
            "    - {hasSuffix: .acme.org, exact: a}\n",
            "validation.clientCertificate.subjectMatches[0]",
            "exactly one of",
        ),
        (
            f"admin: {ADMIN_HASH}",
            "admin: s3cret",
            "validation.httpBasic.passwordHashes.admin",
            "sha256",
        ),
        (
            "  clientValidationCa:\n    name: acme-root-ca\n",
            "",
            "validation.clientCertificate",
            "needs tls.clientValidationCa",
        ),
        ("host: ecommerce.acme.org\n", "", "host", "Field required"),
    ],
)
def test_route_rules(old: str, new: str, path: str, message: str) -> None:
    assert old in ROUTE_YAML
    err = errors(ROUTE_YAML.replace(old, new, 1), route=True)
    assert err.path == path
    assert message in str(err)


def test_every_problem_is_reported_at_once() -> None:
    text = SERVICE_YAML.replace("  env:\n", "  envv:\n").replace("  jwt:", "  jwtt:")
    err = errors(text)
    assert [p.path for p in err.problems] == ["service.envv", "service.jwtt"]
    assert str(err).count("\n") == 1


def test_a_file_source_prefixes_the_message(tmp_path: Path) -> None:
    path = tmp_path / "svc.yaml"
    path.write_text(SERVICE_YAML.replace("  env:\n", "  envv:\n"))
    with pytest.raises(d.DescriptorError, match=r"svc\.yaml: line 3: service\.envv"):
        d.load_service(path)


def test_descriptor_error_is_a_value_error() -> None:
    assert issubclass(d.DescriptorError, ValueError)


def test_a_service_with_several_containers_has_no_descriptor() -> None:
    wire = d.load_service(SIMPLE_SERVICE_YAML).to_kalix_service().to_wire()
    wire["spec"]["containers"].append({"name": "sidecar", "image": "x"})
    with pytest.raises(d.DescriptorError, match="2 containers"):
        d.dump_service(KalixService.model_validate(wire))


# -- descriptors <-> resource inputs --------------------------------------------------------


def test_service_inputs_of_a_modelled_descriptor() -> None:
    inputs = d.service_inputs(d.load_service(SIMPLE_SERVICE_YAML))
    assert inputs == {
        "name": "product-info",
        "image": "acme.example/product-info:2.0.1",
        "env": {"CATALOG_URL": "https://catalog.acme.org"},
        "secret_env": {"DB_PASSWORD": "db-creds/password"},
        "min_instances": 2,
        "max_instances": 4,
        "instance_type": "general.small",
    }
    # ... and back: the descriptor of those inputs is the descriptor.
    assert d.service_descriptor(inputs) == SIMPLE_SERVICE_YAML


def test_service_inputs_carry_optional_secret_refs() -> None:
    desc = d.load_service(SERVICE_YAML)
    assert d.service_unmodeled(desc) == []  # nothing of this descriptor is dropped
    inputs = d.service_inputs(desc)
    assert inputs["optional_secret_env"] == {"FEATURE_FLAGS": "features/flags"}
    assert "FEATURE_FLAGS" not in inputs["secret_env"]


def test_service_inputs_carry_jwt_volume_mounts_telemetry_and_cpu_threshold() -> None:
    text = SERVICE_YAML.replace("        optional: true\n", "")
    desc = d.load_service(text)
    inputs = d.service_inputs(desc)
    assert inputs["jwt_keys"][0]["key_id"] == "signing-key"
    assert inputs["volume_mounts"][0]["mount_path"].startswith("/")
    assert inputs["tracing"] is True
    assert inputs["cpu_usage_threshold"] == 70
    # ... and the descriptor of those inputs is the descriptor again.
    assert d.load_service(d.service_descriptor(inputs)).to_spec() == desc.to_spec()


def test_route_inputs_and_back() -> None:
    spec = d.load_route(ROUTE_YAML)
    inputs = d.route_inputs(spec)
    assert inputs["hostname"] == "ecommerce.acme.org"
    assert inputs["paths"][1] == {
        "prefix": "/live",
        "service": "notifications",
        "websockets": True,
        "streaming": True,
    }
    assert inputs["client_certificate_subjects"] == ["*.acme.org", "partner.example.com"]
    assert inputs["http_basic"] == {"realm": "acme-admin", "password_hashes": {"admin": ADMIN_HASH}}
    assert d.route_descriptor(inputs) == ROUTE_YAML


def test_regex_matchers_and_explicit_false_flags_round_trip_through_route_inputs() -> None:
    text = ROUTE_YAML.replace("- exact: partner.example.com", "- regex: ^partner-[0-9]+$")
    text = text.replace("- allowStreaming: true\n", "- allowStreaming: false\n")
    inputs = d.route_inputs(d.load_route(text))
    assert inputs["client_certificate_subjects"] == ["*.acme.org", {"regex": "^partner-[0-9]+$"}]
    assert inputs["paths"][1]["streaming"] is False
    assert d.route_descriptor(inputs) == text


def test_the_docs_spelling_enable_websockets_loads_as_the_api_field() -> None:
    text = ROUTE_YAML.replace("  enableWebSockets: true", "  enableWebsockets: true")
    assert text != ROUTE_YAML
    assert d.dump_route(d.load_route(text)) == ROUTE_YAML


def test_route_descriptor_of_inputs_with_a_paths_mapping() -> None:
    text = d.route_descriptor({"hostname": "shop.example.com", "paths": {"/": "cart"}})
    assert text == "host: shop.example.com\nroutes:\n- prefix: /\n  route:\n    service: cart\n"


def test_adoption_changes_of_live_objects() -> None:
    svc = d.load_service(SERVICE_YAML).to_kalix_service()
    # kalix.Service models the whole service descriptor: adoption rewrites nothing.
    assert d.adoption_changes(svc) == []
    simple = d.load_service(SIMPLE_SERVICE_YAML).to_kalix_service()
    assert d.adoption_changes(simple) == []
    assert d.adoption_changes(d.kalix_route("r", d.load_route(ROUTE_YAML))) == []
    regex = ROUTE_YAML.replace("- exact: partner.example.com", "- regex: ^p$")
    assert d.adoption_changes(d.kalix_route("r", d.load_route(regex))) == []
    # An inline HMAC secret is no input (it would be stored in plain text).
    literal = svc.model_copy(deep=True)
    assert literal.spec.jwt is not None and literal.spec.jwt.keys is not None
    literal.spec.jwt.keys[0].hmac_secret_literal = "c2VjcmV0"
    assert d.adoption_changes(literal) == ["jwt.keys[0].hmacSecretLiteral"]


# -- every documented field -------------------------------------------------------------------


def test_a_descriptor_with_every_field_round_trips_through_service_inputs() -> None:
    desc = d.load_service(EVERY_FIELD_SERVICE_YAML)
    inputs = d.service_inputs(desc)
    assert d.service_descriptor(inputs) == EVERY_FIELD_SERVICE_YAML
    assert inputs["spec_labels"] == {"team": "commerce"} and "labels" not in inputs
    assert inputs["runtime_mode"] == "embedded"
    assert inputs["volume_mounts"][2]["items"] == [{"key": "ca.crt", "path": "ca.pem", "mode": 256}]
    assert d.adoption_changes(desc.to_kalix_service()) == []


def test_empty_sections_as_akka_project_export_writes_them_load_and_round_trip() -> None:
    text = (
        "name: cart\nservice:\n  image: acme/cart:1\n"
        "  jwt: {}\n  resources: {}\n  telemetry: {}\n  tls: {}\n"
    )
    desc = d.load_service(text)
    assert d.service_unmodeled(desc) == []
    inputs = d.service_inputs(desc)
    assert inputs == {"name": "cart", "image": "acme/cart:1"}
    assert d.service_descriptor(inputs) == "name: cart\nservice:\n  image: acme/cart:1\n"


def test_a_documented_key_the_api_lacks_is_named_with_the_reason() -> None:
    text = SIMPLE_SERVICE_YAML.replace("  image:", "  workloadIdentity:\n    akka: {}\n  image:")
    err = errors(text)
    assert err.path == "service.workloadIdentity.akka"
    assert "not in the published platform API" in str(err)


def test_an_inline_hmac_secret_is_named_instead_of_dropped() -> None:
    text = SERVICE_YAML.replace(
        "      secret:\n        name: jwt-signing\n", "      hmacSecretLiteral: c2VjcmV0\n"
    )
    assert text != SERVICE_YAML
    with pytest.raises(d.DescriptorError) as err:
        d.service_inputs(d.load_service(text))
    assert err.value.path == "service.jwt.keys[0].hmacSecretLiteral"
    assert "kalix.Secret" in str(err.value) and "c2VjcmV0" not in str(err.value)


def test_scalar_env_values_read_as_strings_as_the_docs_write_them() -> None:
    text = SIMPLE_SERVICE_YAML.replace("value: https://catalog.acme.org", "value: true")
    assert d.service_inputs(d.load_service(text))["env"]["CATALOG_URL"] == "true"


def test_a_project_route_without_host_takes_the_hostname_given() -> None:
    from pulumi_kalix.descriptors.project import load_route_any, route_with_host

    text = (
        "resource: Route\nresourceVersion: v1\nmetadata:\n  name: api\nspec:\n"
        "  routes:\n  - prefix: /api\n    route:\n      service: cart\n"
    )
    spec = load_route_any(text, "api")
    assert spec.host is None
    assert route_with_host(spec, "shop.acme.org").host == "shop.acme.org"
    with pytest.raises(d.DescriptorError, match="names no host"):
        route_with_host(spec, None)
    with pytest.raises(d.DescriptorError, match="no Route named 'web'"):
        load_route_any(text, "web")
    # The route descriptor form requires it, as its reference does.
    with pytest.raises(d.DescriptorError, match="host: Field required"):
        d.load_route("routes:\n- prefix: /\n  route:\n    service: cart\n")


@pytest.mark.parametrize(
    ("document", "path", "fragment"),
    [
        ("resource: Servic\nresourceVersion: v1\nspec: {}\n", "resource", "must be one of Service"),
        (
            "resource: Service\nresourceVersion: v2\nmetadata: {name: a}\nspec: {image: a:1}\n",
            "resourceVersion",
            "must be v1",
        ),
        (
            "resource: Service\nresourceVersion: v1\nspec: {image: a:1}\n",
            "metadata.name",
            "required",
        ),
        (
            "resource: Service\nresourceVersion: v1\nmetadata: {name: a}\nspec: {imag: a:1}\n",
            "spec.imag",
            "unknown key",
        ),
        (
            "resource: Secret\nresourceVersion: v1\nmetadata: {name: s}\n"
            "spec: {type: opaque, data: {k: v}}\n",
            "spec.type",
            "must be one of generic, tls",
        ),
        (
            "resource: Route\nresourceVersion: v1\nmetadata: {name: r}\nspec:\n  routes:\n"
            "  - route: {service: a}\n",
            "spec.routes[0].prefix",
            "is required",
        ),
    ],
)
def test_project_documents_are_checked_with_their_kind_name_and_line(
    document: str, path: str, fragment: str
) -> None:
    from pulumi_kalix.descriptors.project import load_project

    text = (
        "resource: Secret\nresourceVersion: v1\nmetadata: {name: ok}\n"
        "spec: {type: generic, data: {k: v}}\n---\n" + document
    )
    with pytest.raises(d.DescriptorError) as err:
        load_project(text)
    assert err.value.path == path
    assert fragment in str(err.value)
    assert err.value.line is not None and err.value.line >= 6
