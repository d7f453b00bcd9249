"""check and diff of every provider: pure functions, no server needed."""

from __future__ import annotations

from typing import Any

import pytest
from pulumi.output import Unknown

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
from pulumi_kalix.route import PathRule, path_inputs


def failures(provider: Any, news: dict[str, Any]) -> dict[str, str]:
    result = provider.check({}, news)
    return {f.property: f.reason for f in result.failures}


SERVICE = {"name": "cart", "image": "registry.example/cart:1.2", "paused": False}


def test_service_check_accepts_a_valid_service() -> None:
    assert failures(ServiceProvider(), {**SERVICE, "env": {"MODE": "prod"}}) == {}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "Cart_1"}, "name", "lower-case letters, digits and '-'"),
        ({"image": ""}, "image", "image is required"),
        ({"env": {"1BAD": "x"}}, "env.1BAD", "not valid"),
        ({"secret_env": {"DB": "no-slash"}}, "secret_env.DB", "'secret-name/key'"),
        ({"min_instances": 0}, "min_instances", "between 1 and 10, got 0"),
        ({"max_instances": 11}, "max_instances", "between 1 and 10, got 11"),
        ({"min_instances": 5, "max_instances": 2}, "min_instances", "must not exceed"),
        ({"instance_type": "huge"}, "instance_type", "is not valid"),
        ({"wait_timeout": -1}, "wait_timeout", "positive number"),
        ({"paused": "yes"}, "paused", "true or false"),
        ({"instance_type": 3}, "instance_type", "must be a string such as 'small'"),
        ({"env": {"NUM": 5}}, "env.NUM", "must be a string, got a number (quote it"),
        ({"env": {"DEBUG": True}}, "env.DEBUG", "must be a string, got a boolean"),
        ({"labels": {"tier": 2}}, "labels.tier", "must be a string"),
        ({"image": "UPPER/Case:tag with space"}, "image", "e.g. 'registry.example:5000/"),
        ({"image": "shop/Cart:1"}, "image", "not a valid image reference"),
        ({"image": "cart:bad tag"}, "image", "not a valid image reference"),
        ({"image": "cart@sha256:abc"}, "image", "not a valid image reference"),
        ({"labels": {"-tier": "web"}}, "labels.-tier", "label key '-tier' is not valid"),
        ({"labels": {"Bad_Prefix/tier": "web"}}, "labels.Bad_Prefix/tier", "DNS prefix"),
        ({"labels": {"x" * 64: "web"}}, "labels." + "x" * 64, "1-63"),
        ({"labels": {"tier": "web server"}}, "labels.tier", "label value 'web server'"),
        ({"labels": {"tier": "v" * 64}}, "labels.tier", "at most 63"),
    ],
)
def test_service_check_names_the_bad_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ServiceProvider(), {**SERVICE, **news})
    assert prop in found, found
    assert fragment in found[prop]


@pytest.mark.parametrize(
    "image",
    [
        "cart",
        "x:2",
        "acme/cart:1.2.3-rc_1",
        "localhost/cart",
        "registry.example:5000/shop/cart-service:latest",
        "ghcr.io/acme/shop__cart@sha256:" + "0" * 64,
        "gcr.io/acme/cart:v1@sha256:" + "ab" * 32,
    ],
)
def test_service_check_accepts_image_references(image: str) -> None:
    assert failures(ServiceProvider(), {**SERVICE, "image": image}) == {}


def test_service_check_accepts_kubernetes_labels() -> None:
    labels = {"app.example.com/tier": "web", "team": "", "a.b_c-d": "X.y_z-1"}
    assert failures(ServiceProvider(), {**SERVICE, "labels": labels}) == {}


def test_service_check_rejects_a_variable_in_env_and_secret_env() -> None:
    found = failures(ServiceProvider(), {**SERVICE, "env": {"A": "1"}, "secret_env": {"A": "s/k"}})
    assert found == {"secret_env.A": "'A' is set in both env and secret_env"}


def test_service_check_lets_unknowns_through() -> None:
    news = {**SERVICE, "image": Unknown(), "env": {"A": Unknown()}, "min_instances": Unknown()}
    result = ServiceProvider().check({}, news)
    assert result.failures == []
    assert isinstance(result.inputs["image"], Unknown)


def test_service_diff_ignores_map_order_numbers_as_floats_and_outputs() -> None:
    olds = {
        **SERVICE,
        "env": {"A": "1", "B": "2"},
        "min_instances": 2.0,
        "status": "Ready",
        "uid": "u1",
        "__provider": "old",
    }
    news = {**SERVICE, "env": {"B": "2", "A": "1"}, "min_instances": 2, "__provider": "new"}
    diff = ServiceProvider().diff("default/cart", olds, news)
    assert diff.changes is False
    assert diff.replaces == []


def test_service_diff_image_change_is_an_update_and_name_change_a_replace() -> None:
    provider = ServiceProvider()
    update = provider.diff("default/cart", SERVICE, {**SERVICE, "image": "x:2"})
    assert (update.changes, update.replaces) == (True, [])
    replace = provider.diff("default/cart", SERVICE, {**SERVICE, "name": "cart2"})
    assert replace.changes is True
    assert replace.replaces == ["name"]
    assert replace.delete_before_replace is False  # a new name cannot collide


def test_service_diff_unknown_is_a_change() -> None:
    diff = ServiceProvider().diff("default/cart", SERVICE, {**SERVICE, "image": Unknown()})
    assert diff.changes is True


def test_hostname_flags_change_in_place() -> None:
    # UpdateHostname sets `global` and `skip_provision_cert` on the federation plane.
    olds = {"hostname": "shop.example.com", "global_": False, "generated": False}
    for flag in ("global_", "skip_provision_cert"):
        diff = HostnameProvider().diff("default/shop.example.com", olds, {**olds, flag: True})
        assert diff.changes is True and diff.replaces == []


def test_hostname_diff_replaces_and_deletes_first_for_the_same_fixed_name() -> None:
    olds = {"hostname": "shop.example.com", "global_": False, "generated": False}
    news = {**olds, "project": "other"}
    diff = HostnameProvider().diff("default/shop.example.com", olds, news)
    assert diff.replaces == ["project"]
    assert diff.delete_before_replace is True


def test_hostname_diff_generated_name_is_not_an_input() -> None:
    olds = {"hostname": "mute-fog-6388.us-east1.kalix.app", "global_": False, "generated": True}
    diff = HostnameProvider().diff("default/x", olds, {"global_": False})
    assert diff.changes is False


def test_hostname_check_rejects_a_bad_name() -> None:
    found = failures(HostnameProvider(), {"hostname": "Shop_Example"})
    assert "not a valid DNS name" in found["hostname"]


ROUTE = {
    "name": "shop",
    "hostname": "shop.example.com",
    "paths": [{"prefix": "/carts", "service": "cart"}],
}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"paths": []}, "paths", "at least one"),
        ({"paths": [{"prefix": "carts", "service": "cart"}]}, "paths[0].prefix", "start with '/'"),
        (
            {"paths": [{"prefix": "/a", "service": "x"}, {"prefix": "/a", "service": "y"}]},
            "paths[1].prefix",
            "listed twice",
        ),
        ({"paths": [{"prefix": "/", "service": "x", "bogus": 1}]}, "paths[0]", "unknown keys"),
        ({"cors_methods": ["GET", "FETCH"]}, "cors_methods[1]", "not allowed"),
        ({"cors_origins": ["www.example.com/x"]}, "cors_origins[0]", "scheme and host"),
        ({"cors_methods": "GET"}, "cors_methods", "must be a list of strings such as"),
        ({"cors_origins": "https://a.example"}, "cors_origins", "], got a string"),
        ({"cors_methods": ["GET", 3]}, "cors_methods[1]", "must be a string, got a number"),
        ({"cors_origins": ["https://a.example/"]}, "cors_origins[0]", "(no path)"),
        ({"cors_origins": ["https://a b.example"]}, "cors_origins[0]", "scheme and host"),
        ({"cors_origins": ["https://a.example:99999x"]}, "cors_origins[0]", "scheme and host"),
        (
            {"client_ca_secret": "ca", "client_certificate_subjects": "client.acme.org"},
            "client_certificate_subjects",
            "must be a list of strings such as ['client.acme.org', '*.acme.org'], got a string",
        ),
        (
            {"client_ca_secret": "ca", "client_certificate_subjects": ["a.acme.org", ""]},
            "client_certificate_subjects[1]",
            "must not be empty",
        ),
        (
            {"client_ca_secret": "ca", "client_certificate_subjects": ["*"]},
            "client_certificate_subjects[0]",
            "nor only '*'",
        ),
        ({"paths": [{"prefix": "/a b", "service": "x"}]}, "paths[0].prefix", "no whitespace"),
        ({"paths": [{"prefix": "/api/*", "service": "x"}]}, "paths[0].prefix", "takes no '*'"),
        (
            {"paths": [["/carts", "cart"]]},
            "paths[0]",
            "must be a kalix.PathRule or a map with 'prefix' and 'service', got list",
        ),
        ({"client_certificate_subjects": ["*.acme.org"]}, "client_certificate_subjects", "need"),
        (
            {"http_basic": {"realm": "r", "password_hashes": {"u": "plain"}}},
            "http_basic.password_hashes.u",
            "sha256",
        ),
    ],
)
def test_route_check_names_the_bad_property(news: dict[str, Any], prop: str, fragment: str) -> None:
    found = failures(RouteProvider(), {**ROUTE, **news})
    assert prop in found, found
    assert fragment in found[prop]


def test_route_check_accepts_valid_cors_and_subjects() -> None:
    news = {
        **ROUTE,
        "cors_methods": ["get", "POST", "*"],
        "cors_origins": ["*", "https://www.example.com", "http://localhost:8080"],
        "client_ca_secret": "ca",
        "client_certificate_subjects": ["client.acme.org", "*.acme.org", "svc-*"],
    }
    assert failures(RouteProvider(), news) == {}


def test_route_paths_as_tuples_reach_check_instead_of_a_bare_value_error() -> None:
    rules = path_inputs([("/carts", "cart"), PathRule("/info", "info")])
    assert rules[0] == ["/carts", "cart"]
    found = failures(RouteProvider(), {**ROUTE, "paths": rules})
    assert list(found) == ["paths[0]"]
    assert "paths={'/prefix': service}" in found["paths[0]"]


def test_route_check_accepts_an_unknown_hostname_in_preview() -> None:
    assert failures(RouteProvider(), {**ROUTE, "hostname": Unknown()}) == {}


def test_route_diff_paths_are_ordered_cors_origins_are_a_set() -> None:
    provider = RouteProvider()
    a = provider.normalize(
        {
            **ROUTE,
            "paths": [{"prefix": "/a", "service": "x"}, {"prefix": "/b", "service": "y"}],
            "cors_origins": ["https://a.example", "https://b.example"],
        }
    )
    b = provider.normalize({**a, "cors_origins": ["https://b.example", "https://a.example"]})
    assert provider.diff("default/shop", a, b).changes is False
    swapped = provider.normalize({**a, "paths": list(reversed(a["paths"]))})
    diff = provider.diff("default/shop", a, swapped)
    assert diff.changes is True
    assert diff.replaces == []


def test_secret_check_requires_the_keys_of_its_type() -> None:
    found = failures(SecretProvider(), {"name": "ca", "type": "tls-ca", "data": {"x": "y"}})
    assert found == {"data.ca.crt": "a tls-ca secret needs the key 'ca.crt'"}
    found = failures(SecretProvider(), {"name": "s", "type": "opaque", "data": {"x": "y"}})
    assert "generic, tls, tls-ca" in found["type"]


def test_secret_diff_sees_a_changed_value_through_the_digest() -> None:
    provider = SecretProvider()
    olds = provider.normalize({"name": "db", "type": "generic", "data": {"password": "s3cret-1"}})
    olds.pop("data")  # outputs never carry the data
    same = provider.normalize({"name": "db", "type": "generic", "data": {"password": "s3cret-1"}})
    changed = provider.normalize(
        {"name": "db", "type": "generic", "data": {"password": "s3cret-2"}}
    )
    assert provider.diff("default/db", olds, same).changes is False
    assert provider.diff("default/db", olds, changed).changes is True
    assert "s3cret" not in olds["data_digest"]


CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIU\n-----END CERTIFICATE-----\n"
KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n"


def test_secret_check_requires_pem_for_tls_keys_and_does_not_show_the_value() -> None:
    found = failures(SecretProvider(), {"name": "ca", "type": "tls-ca", "data": {"ca.crt": "x"}})
    assert list(found) == ["data.ca.crt"]
    assert "must be PEM text ('-----BEGIN CERTIFICATE-----'" in found["data.ca.crt"]
    tls = {"tls.crt": CA_PEM, "tls.key": "hunter2-not-a-key"}
    found = failures(SecretProvider(), {"name": "tls", "type": "tls", "data": tls})
    assert list(found) == ["data.tls.key"]
    assert "'-----BEGIN PRIVATE KEY-----'" in found["data.tls.key"]
    assert "hunter2" not in found["data.tls.key"]
    good = {"tls.crt": CA_PEM, "tls.key": KEY_PEM}
    assert failures(SecretProvider(), {"name": "tls", "type": "tls", "data": good}) == {}
    assert (
        failures(SecretProvider(), {"name": "ca", "type": "tls-ca", "data": {"ca.crt": CA_PEM}})
        == {}
    )


def test_secret_check_refuses_non_string_data() -> None:
    found = failures(SecretProvider(), {"name": "pin", "type": "generic", "data": {"pin": 1234.0}})
    assert found == {"data.pin": "data.pin must be a string, got a number"}


SECRET_VALUE = "sk-live-Zq9xSECRET0123"


@pytest.mark.parametrize(
    ("provider", "news"),
    [
        # A secret value where a reference belongs: secret_env takes 'secret-name/key'.
        (ServiceProvider(), {**SERVICE, "secret_env": {"DB_PASSWORD": SECRET_VALUE}}),
        (ServiceProvider(), {**SERVICE, "optional_secret_env": {"TOKEN": SECRET_VALUE}}),
        # A number in env (a PIN from config): refused by type, not by value.
        (ServiceProvider(), {**SERVICE, "env": {"PIN": 982451.0}}),
        (ServiceProvider(), {**SERVICE, "env": {"KEY": {"nested": SECRET_VALUE}}}),
        (SecretProvider(), {"name": "ca", "type": "tls-ca", "data": {"ca.crt": SECRET_VALUE}}),
        (
            SecretProvider(),
            {"name": "tls", "type": "tls", "data": {"tls.crt": CA_PEM, "tls.key": SECRET_VALUE}},
        ),
        (SecretProvider(), {"name": "bad key", "type": "x", "data": {"k y": SECRET_VALUE}}),
        (
            RouteProvider(),
            {**ROUTE, "http_basic": {"realm": "r", "password_hashes": {"u": SECRET_VALUE}}},
        ),
        (RouteProvider(), {**ROUTE, "http_basic": {"realm": "", "password_hashes": SECRET_VALUE}}),
    ],
)
def test_check_failures_never_show_a_secret_value(provider: Any, news: dict[str, Any]) -> None:
    result = provider.check({}, news)
    assert result.failures, "the input should have been refused"
    text = " ".join(f"{f.property} {f.reason}" for f in result.failures)
    assert SECRET_VALUE not in text
    assert "982451" not in text


# -- spec fields other tools set too (kept when unset) ---------------------------------------


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"runtime_mode": "jvm"}, "runtime_mode", "one of sidecar, embedded, got 'jvm'"),
        ({"resource_sync": "everywhere"}, "resource_sync", "one of global, regional"),
        (
            {"replication": {"mode": "multi-master"}},
            "replication.mode",
            "'none', 'replicated-write' or 'replicated-read'",
        ),
        (
            {"replication": {"replicated_read": {"primary_selection_mode": "nearest"}}},
            "replication.replicated_read.primary_selection_mode",
            "'pinned-region'",
        ),
        (
            {"replication": {"replicatedRead": {}}},
            "replication.replicatedRead",
            "not a known key (allowed: mode, replicated_read)",
        ),
        ({"replication": "replicated-read"}, "replication", "replication must be a map, got str"),
        ({"workload_identity": {"aws": {}}}, "workload_identity.aws.role_arn", "Field required"),
        (
            {"workload_identity": {"akka": {}}},
            "workload_identity.akka",
            "allowed: aws, azure, gcp",
        ),
        ({"truststore": {"secret": {"name": "ts"}, "type": "P12"}}, "truststore.type", "'JKS'"),
        (
            {"truststore": {"secret": {"name": "a"}, "external_secret": {"name": "b"}}},
            "truststore",
            "exactly one of secret, external_secret (sets secret, external_secret)",
        ),
        ({"store_config": {"database": "db"}}, "store_config.store", "Field required"),
        ({"service_config": "My Config"}, "service_config", "lower-case letters"),
        ({"object_storage": "a_b"}, "object_storage", "lower-case letters"),
        ({"spec_labels": {"team": 3}}, "spec_labels.team", "must be a string"),
        ({"spec_annotations": []}, "spec_annotations", "must be a map of strings"),
        (
            {"spec_labels": {"team": "a"}, "telemetry_resource_attributes": ["tier"]},
            "telemetry_resource_attributes[0]",
            "'tier' is not a key of spec_labels or spec_annotations (team)",
        ),
        ({"telemetry_resource_attributes": "team"}, "telemetry_resource_attributes", "a list"),
        (
            {"jwt_key_sets": [{"issuer": "i"}]},
            "jwt_key_sets[0]",
            "exactly one of secret, external_secret, jwks_url, use_oidc_discovery (sets none)",
        ),
        (
            {"jwt_key_sets": [{"use_oidc_discovery": True}]},
            "jwt_key_sets[0].issuer",
            "required for OIDC discovery",
        ),
        (
            {"jwt_key_sets": [{"jwks_url": "https://x", "allowed_algorithms": ["Ed25519"]}]},
            "jwt_key_sets[0].allowed_algorithms[0]",
            "'EdDSA'",
        ),
        (
            {"jwt_key_sets": [{"secret": {"name": "jwks"}}]},
            "jwt_key_sets[0].secret.key",
            "Field required",
        ),
        (
            {"volume_mounts": [{"mount_path": "/t", "workload_identity_token": {"path": "t"}}]},
            "volume_mounts[0].workload_identity_token.audience",
            "Field required",
        ),
        (
            {
                "volume_mounts": [
                    {
                        "mount_path": "/t",
                        "workload_identity_token": {
                            "audience": "a",
                            "path": "t",
                            "expiration_seconds": 60,
                        },
                    }
                ]
            },
            "volume_mounts[0].workload_identity_token.expiration_seconds",
            "greater than or equal to 600",
        ),
        (
            {"volume_mounts": [{"mount_path": "/e", "external_secret": {}}]},
            "volume_mounts[0].external_secret.provider",
            "Field required",
        ),
        (
            {"volume_mounts": [{"mount_path": "/e", "secret": "s", "external_secret": {}}]},
            "volume_mounts[0]",
            "exactly one of secret, external_secret, workload_identity_token",
        ),
        (
            {
                "volume_mounts": [
                    {"mount_path": "/e", "external_secret": {"provider": "p"}, "optional": True}
                ]
            },
            "volume_mounts[0].optional",
            "only for secret mounts",
        ),
        (
            {"volume_mounts": [{"mount_path": "/s", "secret": "s", "items": [{"key": "k"}]}]},
            "volume_mounts[0].items[0].path",
            "Field required",
        ),
        (
            {
                "volume_mounts": [
                    {"mount_path": "/s", "secret": "s", "items": [{"key": "k", "path": "../x"}]}
                ]
            },
            "volume_mounts[0].items[0].path",
            "relative path without '..'",
        ),
        (
            {
                "volume_mounts": [
                    {
                        "mount_path": "/s",
                        "secret": "s",
                        "items": [{"key": "k", "path": "x", "mode": 1000}],
                    }
                ]
            },
            "volume_mounts[0].items[0].mode",
            "0000..0777",
        ),
    ],
)
def test_service_check_names_the_bad_spec_field(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ServiceProvider(), {**SERVICE, **news})
    assert prop in found, found
    assert fragment in found[prop]


EVERY_SPEC_FIELD: dict[str, Any] = {
    "runtime_mode": "embedded",
    "replication": {
        "mode": "replicated-read",
        "replicated_read": {"primary_selection_mode": "pinned-region"},
    },
    "workload_identity": {"aws": {"role_arn": "arn:aws:iam::1:role/cart"}},
    "jwt_key_sets": [
        {"issuer": "https://idp.example", "use_oidc_discovery": True},
        {"secret": {"name": "jwks", "key": "jwks.json"}, "allowed_algorithms": ["RS256"]},
    ],
    "spec_labels": {"team": "commerce"},
    "spec_annotations": {"contact": "team@example.com"},
    "telemetry_resource_attributes": ["team"],
    "truststore": {"secret": {"name": "ts"}, "key": "ts.p12", "type": "PKCS12"},
    "service_config": "cart-config",
    "object_storage": "cart-bucket",
    "store_config": {"store": {"name": "pg"}, "database": "cart"},
    "resource_sync": "global",
    "volume_mounts": [
        {"mount_path": "/s", "secret": "s", "items": [{"key": "k", "path": "k.txt", "mode": 256}]},
        {"mount_path": "/e", "external_secret": {"provider": "vault"}},
        {
            "mount_path": "/t",
            "workload_identity_token": {"audience": "a", "path": "t", "expiration_seconds": 3600},
        },
    ],
}


def test_service_check_accepts_every_spec_field() -> None:
    assert failures(ServiceProvider(), {**SERVICE, **EVERY_SPEC_FIELD}) == {}


def test_service_spec_fields_left_unset_are_no_change_and_keep_the_live_value() -> None:
    from pulumi_kalix.api import KalixService, ObjectMeta

    provider = ServiceProvider()
    olds = provider.normalize({**SERVICE, **EVERY_SPEC_FIELD})
    assert provider.changed_keys(olds, {**SERVICE, "volume_mounts": olds["volume_mounts"]}) == []
    live = KalixService(metadata=ObjectMeta(name="cart"), spec=provider.apply_inputs(None, olds))
    kept = provider.apply_inputs(live.spec, {**SERVICE, "volume_mounts": olds["volume_mounts"]})
    assert kept == live.spec
    # An empty value removes the field.
    cleared = provider.apply_inputs(live.spec, {**olds, "replication": {}, "service_config": ""})
    assert cleared.replication is None and cleared.service_config is None
    assert cleared.workload_identity == live.spec.workload_identity


def test_route_check_of_subject_matchers_and_resource_sync() -> None:
    base = {"name": "r", "hostname": "shop.example.com", "paths": path_inputs({"/": "cart"})}
    base["client_ca_secret"] = "ca"
    ok = {**base, "client_certificate_subjects": ["*.acme.org", {"regex": "^c-[0-9]+$"}]}
    assert failures(RouteProvider(), {**ok, "resource_sync": "regional"}) == {}
    found = failures(
        RouteProvider(),
        {
            **base,
            "client_certificate_subjects": [{"regex": "(", "exact": "x"}, {"regex": "("}],
            "resource_sync": "local",
        },
    )
    assert "exactly one of exact, has_prefix" in found["client_certificate_subjects[0]"]
    assert "is not valid" in found["client_certificate_subjects[1].regex"]
    assert "global or regional" in found["resource_sync"]


def test_route_flags_unset_and_false_are_no_change() -> None:
    provider = RouteProvider()
    base = {"name": "r", "hostname": "shop.example.com"}
    old = provider.normalize(
        {**base, "paths": [{"prefix": "/", "service": "c", "websockets": False}]}
    )
    new = provider.normalize({**base, "paths": path_inputs([PathRule("/", "c")])})
    assert "websockets" not in new["paths"][0]
    assert provider.changed_keys(old, new) == []
    on = provider.normalize({**base, "paths": path_inputs([PathRule("/", "c", websockets=True)])})
    assert provider.changed_keys(old, on) == ["paths"]


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "cfg"}, "config", "config is required"),
        ({"name": "cfg", "config": ""}, "config", "must not be empty"),
        ({"name": "cfg", "config": 5}, "config", "must be a string of HOCON text, got a number"),
        ({"name": "Bad_Name", "config": "a = 1"}, "name", "1-63 lower-case letters"),
    ],
)
def test_service_config_check_names_the_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ServiceConfigProvider(), news)
    assert list(found) == [prop] and fragment in found[prop]


def test_service_config_check_accepts_text_and_an_unknown() -> None:
    assert failures(ServiceConfigProvider(), {"name": "cfg", "config": "a = 1"}) == {}
    assert failures(ServiceConfigProvider(), {"name": "cfg", "config": Unknown()}) == {}


def test_service_config_diff_updates_the_text_in_place_and_replaces_on_a_new_name() -> None:
    provider = ServiceConfigProvider()
    olds = {"name": "cfg", "config": "a = 1", "project": "p"}
    text = provider.diff("p/cfg", olds, {**olds, "config": "a = 2"})
    assert text.changes and text.replaces == []
    renamed = provider.diff("p/cfg", olds, {**olds, "name": "cfg2"})
    assert renamed.replaces == ["name"] and not renamed.delete_before_replace
    assert not provider.diff("p/cfg", olds, dict(olds)).changes


GCP_STORE = {"project_id": "acme", "objects": [{"name": "db", "path": "db/password"}]}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "store"}, "aws", "exactly one of aws, gcp or azure"),
        ({"name": "store", "aws": {"objects": []}, "gcp": GCP_STORE}, "gcp", "got aws, gcp"),
        ({"name": "store", "gcp": "acme"}, "gcp", "must be a map"),
        ({"name": "store", "gcp": {"objects": []}}, "gcp.projectId", "Field required"),
        (
            {"name": "store", "aws": {"objects": [{"name": "db"}]}},
            "aws.objects[0].type",
            "required unless the name is an ARN",
        ),
        (
            {"name": "store", "gcp": {**GCP_STORE, "projectid": "x"}},
            "gcp.projectid",
            "unknown field",
        ),
        (
            {"name": "store", "azure": {"objects": [{"name": "c", "type": "blob"}]}},
            "azure.objects[0].type",
            "'cert', 'key' or 'secret'",
        ),
    ],
)
def test_external_secret_check_names_the_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ExternalSecretProvider(), news)
    assert prop in found and fragment in found[prop], found


def test_external_secret_check_takes_snake_or_camel_case_and_stores_the_wire_form() -> None:
    provider = ExternalSecretProvider()
    camel = {"projectId": "acme", "objects": [{"name": "db", "path": "db/password"}]}
    for block in (GCP_STORE, camel):
        result = provider.check({}, {"name": "store", "gcp": block})
        assert result.failures == []
        assert result.inputs["gcp"] == camel
    arn = {
        "objects": [
            {"name": "arn:aws:secretsmanager:eu-west-1:1:secret:db", "filePermission": 420.0}
        ]
    }
    result = provider.check({}, {"name": "store", "aws": arn})
    assert result.failures == [] and result.inputs["aws"]["objects"][0]["filePermission"] == 420
    assert failures(provider, {"name": "store", "gcp": Unknown()}) == {}


def test_external_secret_diff_is_an_update_for_a_new_store_and_a_replace_for_a_name() -> None:
    provider = ExternalSecretProvider()
    olds = {"name": "store", "gcp": {"projectId": "acme", "objects": []}, "project": "p"}
    moved = provider.diff("p/store", olds, {**olds, "gcp": None, "aws": {"objects": []}})
    assert moved.changes and moved.replaces == []
    assert provider.diff("p/store", olds, {**olds, "name": "other"}).replaces == ["name"]
    assert not provider.diff("p/store", olds, dict(olds)).changes


GCS_BUCKET = {"name": "exports", "bucket": "acme-exports", "provider": "gcs"}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "default"}, "buckets", "buckets is required"),
        ({"name": "default", "buckets": []}, "buckets", "non-empty list"),
        (
            {"name": "default", "buckets": [{**GCS_BUCKET, "provider": "ftp"}]},
            "buckets[0].provider",
            "'s3', 'gcs' or 'azure-blob'",
        ),
        (
            {"name": "default", "buckets": [{**GCS_BUCKET, "provider": "s3"}]},
            "buckets[0].region",
            "required for provider s3",
        ),
        (
            {"name": "default", "buckets": [GCS_BUCKET, GCS_BUCKET]},
            "buckets[1].name",
            "used by another bucket",
        ),
        (
            {
                "name": "default",
                "buckets": [{**GCS_BUCKET, "credentials": {"type": "shared-key"}}],
            },
            "buckets[0].credentials.type",
            "not for provider gcs (use one of native, service-account-key)",
        ),
        (
            {"name": "default", "buckets": [GCS_BUCKET], "wait_timeout": 0},
            "wait_timeout",
            "positive number",
        ),
    ],
)
def test_object_storage_check_names_the_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ObjectStorageProvider(), news)
    assert prop in found and fragment in found[prop], found


def test_object_storage_check_stores_the_wire_form() -> None:
    creds = {"type": "service-account-key", "service_account_key": {"name": "k", "key": "j"}}
    result = ObjectStorageProvider().check(
        {}, {"name": "default", "buckets": [{**GCS_BUCKET, "credentials": creds}]}
    )
    assert result.failures == []
    assert result.inputs["buckets"][0]["credentials"] == {
        "type": "service-account-key",
        "serviceAccountKey": {"name": "k", "key": "j"},
    }


PG = {"host": "db.internal", "credentials": {"secret": {"name": "db-creds"}}}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "pg"}, "postgres", "exactly one of in_memory=True or postgres"),
        ({"name": "pg", "in_memory": True, "postgres": PG}, "postgres", "got both"),
        ({"name": "pg", "in_memory": "yes"}, "in_memory", "must be a boolean, got str"),
        ({"name": "pg", "postgres": {**PG, "dialect": "mysql"}}, "postgres.dialect", "postgres"),
        (
            {"name": "pg", "postgres": {**PG, "ssl": {"password": "hunter22"}}},
            "postgres.ssl.password",
            "ssl_password=",
        ),
        ({"name": "pg", "in_memory": True, "ssl_password": "x"}, "ssl_password", "postgres"),
    ],
)
def test_store_check_names_the_property(news: dict[str, Any], prop: str, fragment: str) -> None:
    found = failures(StoreProvider(), news)
    assert prop in found and fragment in found[prop], found
    assert "hunter22" not in str(found)


def test_store_diff_sees_a_new_password_through_the_digest_only() -> None:
    provider = StoreProvider()
    first = provider.check({}, {"name": "pg", "postgres": PG, "ssl_password": "one-pass"})
    assert first.failures == [] and "one-pass" not in str(
        {k: v for k, v in first.inputs.items() if k != "ssl_password"}
    )
    olds = {**first.inputs, "project": "p"}
    again = provider.check({}, {"name": "pg", "postgres": PG, "ssl_password": "one-pass"}).inputs
    assert not provider.diff("p/pg", olds, {**again, "project": "p"}).changes
    other = provider.check({}, {"name": "pg", "postgres": PG, "ssl_password": "two-pass"}).inputs
    changed = provider.diff("p/pg", olds, {**other, "project": "p"})
    assert changed.changes and changed.replaces == []
    unknown = provider.diff("p/pg", olds, {**olds, "ssl_password": Unknown()})
    assert unknown.changes


MAPPING = {"match": "registry.example/*", "regions": [{"name": "r1", "registry": "r1.example"}]}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "reg"}, "credentials", "set credentials (secret names), mappings, or both"),
        ({"name": "reg", "credentials": "ghcr-pull"}, "credentials", "list of strings"),
        ({"name": "reg", "credentials": ["Bad_Name"]}, "credentials[0]", "1-63 lower-case"),
        ({"name": "reg", "mappings": [{"regions": []}]}, "mappings[0].match", "Field required"),
        ({"name": "reg", "mappings": {"a": "b"}}, "mappings", "must be a list"),
    ],
)
def test_container_registry_config_check_names_the_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ContainerRegistryConfigProvider(), news)
    assert prop in found and fragment in found[prop], found


def test_container_registry_config_check_accepts_credentials_and_mappings() -> None:
    news = {"name": "reg", "credentials": ["ghcr-pull"], "mappings": [MAPPING]}
    assert failures(ContainerRegistryConfigProvider(), news) == {}


KAFKA = {
    "servers": ["kafka.internal:9092"],
    "username": "svc",
    "auth_mechanism": "SCRAM-SHA-512",
    "password_secret": {"name": "kafka", "key": "password"},
}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "ev", "type": "rabbitmq"}, "type", "one of google-pubsub, kafka, eventhubs"),
        ({"name": "ev", "type": "kafka"}, "kafka", "required when type is 'kafka'"),
        (
            {"name": "ev", "type": "kafka", "kafka": KAFKA, "google_pubsub": {}},
            "google_pubsub",
            "only read when type is",
        ),
        (
            {"name": "ev", "type": "kafka", "kafka": {**KAFKA, "auth_mechanism": "GSSAPI"}},
            "kafka.auth_mechanism",
            "SCRAM-SHA-256",
        ),
        ({"name": "ev", "type": "kafka", "kafka": {**KAFKA, "servers": []}}, "kafka.servers", "1"),
        (
            {"name": "ev", "type": "kafka", "kafka": {**KAFKA, "password": "hunter22"}},
            "kafka.password",
            "",
        ),
        ({"name": "ev", "type": "kafka", "kafka": "kafka:9092"}, "kafka", "must be a map"),
        (
            {
                "name": "ev",
                "type": "google-pubsub",
                "google_pubsub": {
                    "workloadIdentity": True,
                    "gcp_key_secret": {"name": "k", "key": "j"},
                },
            },
            "google_pubsub.workload_identity",
            "not both",
        ),
        (
            {"name": "ev", "type": "kafka", "kafka": KAFKA, "description": 3},
            "description",
            "must be a string, got a number",
        ),
    ],
)
def test_broker_check_names_the_property(news: dict[str, Any], prop: str, fragment: str) -> None:
    found = failures(BrokerProvider(), news)
    assert prop in found and fragment in found[prop], found
    assert "hunter22" not in str(found)


def test_broker_check_stores_the_wire_form() -> None:
    checked = BrokerProvider().check({}, {"name": "ev", "type": "kafka", "kafka": KAFKA})
    assert checked.failures == []
    assert checked.inputs["kafka"]["authMechanism"] == "SCRAM-SHA-512"
    assert checked.inputs["kafka"]["passwordSecret"] == {"name": "kafka", "key": "password"}


OTLP = {"otlp": {"endpoint": "collector.internal:4317"}}


@pytest.mark.parametrize(
    ("news", "prop", "fragment"),
    [
        ({"name": "t", "traces": OTLP}, "traces", "must be a list"),
        ({"name": "t", "traces": [{}]}, "traces[0]", "one exporter"),
        ({"name": "t", "logs": [{"kalix_console": {}}]}, "logs[0].kalix_console", "unknown field"),
        (
            {"name": "t", "exporters": [{"otlp_http": {"encoding": "xml"}}]},
            "exporters[0].otlp_http.encoding",
            "'proto' or 'json'",
        ),
        (
            {"name": "t", "traces": [{"azure_monitor": {"connection_string": "hunter22"}}]},
            "traces[0].azure_monitor.connection_string",
            "azure_monitor_connection_string=",
        ),
        (
            {"name": "t", "traces": [{"azure_monitor": {}}]},
            "azure_monitor_connection_string",
            "needs azure_monitor_connection_string=",
        ),
        (
            {"name": "t", "traces": [OTLP], "azure_monitor_connection_string": "hunter22"},
            "azure_monitor_connection_string",
            "needs an azure_monitor exporter",
        ),
        ({"name": "t", "heap_dump": {"aws": {"bucket": "b"}}}, "heap_dump.aws.region", "required"),
        ({"name": "t", "log_level": 3}, "log_level", "must be a string"),
    ],
)
def test_observability_check_names_the_property(
    news: dict[str, Any], prop: str, fragment: str
) -> None:
    found = failures(ObservabilityProvider(), news)
    assert prop in found and fragment in found[prop], found
    assert "hunter22" not in str(found)


def test_observability_diff_sees_a_new_connection_string_through_the_digest_only() -> None:
    provider = ObservabilityProvider()
    news = {"name": "t", "traces": [{"azure_monitor": {}}]}
    first = provider.check({}, {**news, "azure_monitor_connection_string": "one-string"})
    assert first.failures == [] and first.inputs["traces"] == [{"azureMonitor": {}}]
    assert "one-string" not in str(
        {k: v for k, v in first.inputs.items() if k != "azure_monitor_connection_string"}
    )
    olds = {**first.inputs, "project": "p"}
    again = provider.check({}, {**news, "azure_monitor_connection_string": "one-string"})
    assert not provider.diff("p/t", olds, {**again.inputs, "project": "p"}).changes
    other = provider.check({}, {**news, "azure_monitor_connection_string": "two-string"})
    changed = provider.diff("p/t", olds, {**other.inputs, "project": "p"})
    assert changed.changes and changed.replaces == []
    unknown = {**olds, "azure_monitor_connection_string": Unknown()}
    assert provider.diff("p/t", olds, unknown).changes
