"""Every published spec field is accepted, stored and returned unchanged; responses have
the published shapes (objects, lists, Status), and the OpenAPI document says so."""

from __future__ import annotations

import copy
from typing import Any

import httpx
import pytest

from tests.support.local_server import KalixLocalServer
from tests.support.objects import CA_PEM, KEY_PEM, assert_status, route, secret, service

HOST = "shop.example.com"
MERGE = {"Content-Type": "application/merge-patch+json"}
STATUS_FIELDS = {"kind", "apiVersion", "metadata", "status", "message", "reason", "code"}


def full_service_spec() -> dict[str, Any]:
    """A service spec with every field of the published `ServiceSpec`."""
    return {
        "containers": [
            {
                "name": "main",
                "image": "registry.example/cart:1",
                "env": [
                    {"name": "MODE", "value": "prod"},
                    {
                        "name": "DB_PASSWORD",
                        "valueFrom": {
                            "secretKeyRef": {"name": "db", "key": "password", "optional": True}
                        },
                    },
                ],
                "volumeMounts": [
                    {
                        "mountPath": "/etc/certs",
                        "secret": {
                            "secretName": "certs",
                            "defaultMode": 0o440,
                            "optional": False,
                            "items": [{"key": "tls.crt", "path": "server/tls.crt", "mode": 0o400}],
                        },
                    },
                    {"mountPath": "/etc/vault", "externalSecret": {"provider": "vault"}},
                    {
                        "mountPath": "/var/run/token",
                        "workloadIdentityToken": {
                            "audience": "sts.example",
                            "path": "token",
                            "expirationSeconds": 3600,
                        },
                    },
                ],
            }
        ],
        "resources": {
            "instanceType": "g1.memory.large",
            "autoscaling": {"minInstances": 1, "maxInstances": 4, "cpuUsageThreshold": 70},
            "runtime": {"mode": "embedded"},
        },
        "jwt": {
            "keys": [
                {
                    "keyId": "legacy",
                    "algorithm": "HS256",
                    "issuer": "https://old.example",
                    "hmacSecretLiteral": "c2VjcmV0",
                },
                {"keyId": "k2", "algorithm": "EdDSA", "secret": {"name": "jwt-key"}},
            ],
            "keySets": [
                {
                    "secret": {"name": "jwks", "key": "keys.json"},
                    "issuer": "https://a.example",
                    "allowedAlgorithms": ["RS256", "EdDSA"],
                },
                {"externalSecret": {"name": "ext-jwks", "key": "jwks"}},
                {"jwksUrl": "https://b.example/jwks", "refreshInterval": "30m"},
                {"useOidcDiscovery": True, "issuer": "https://c.example"},
            ],
        },
        "telemetry": {"tracing": {"enabled": True}, "resourceAttributes": ["team", "cost-center"]},
        "labels": {"team": "carts"},
        "annotations": {"cost-center": "42"},
        "replication": {
            "mode": "replicated-read",
            "replicatedRead": {"primarySelectionMode": "pinned-region"},
        },
        "tls": {
            "truststore": {
                "secret": {"name": "truststore"},
                "key": "truststore",
                "passwordKey": "password",
                "type": "PKCS12",
            }
        },
        "workloadIdentity": {
            "aws": {"roleArn": "arn:aws:iam::123456789012:role/cart"},
            "gcp": {"gcpServiceAccount": "cart@project.iam.gserviceaccount.com"},
            "azure": {"clientId": "00000000-0000-0000-0000-000000000001", "tenantId": "t"},
        },
        "serviceConfig": {"name": "cart-config"},
        "objectStorage": {"name": "default"},
        "storeConfig": {"store": {"name": "pg"}, "database": "carts", "secret": {"name": "pg"}},
        "resourceSync": {"mode": "global"},
        "paused": False,
        "restartRequested": "2026-11-23T18:00:00Z",
        "replicas": 2,
    }


def test_service__every_published_spec_field_round_trips(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = service("cart")
    body["spec"] = full_service_spec()
    created = api.post(kalix.api_path("kalixservices"), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["spec"] == body["spec"]
    fetched = api.get(kalix.api_path("kalixservices", "cart")).json()
    assert fetched["spec"] == body["spec"]

    # A replace with other values of the same fields keeps them as sent, too.
    replaced_spec = copy.deepcopy(body["spec"])
    replaced_spec["replication"] = {"mode": "replicated-write"}
    replaced_spec["resources"]["runtime"] = {"mode": "sidecar"}
    replaced_spec["workloadIdentity"] = {"gcp": {}}
    replaced_spec["tls"]["truststore"] = {"externalSecret": {"name": "ext-ts"}, "type": "JKS"}
    replaced_spec["softDeleted"] = "2026-11-24T09:30:00.25+01:00"
    # The controller may write the status between a read and the replace (409): read
    # again and retry, as any client of an optimistic API does (bounded).
    for _ in range(20):
        fetched = api.get(kalix.api_path("kalixservices", "cart")).json()
        fetched["spec"] = replaced_spec
        replaced = api.put(kalix.api_path("kalixservices", "cart"), json=fetched)
        if replaced.status_code != 409:
            break
    assert replaced.status_code == 200, replaced.text
    assert replaced.json()["spec"] == replaced_spec
    assert api.get(kalix.api_path("kalixservices", "cart")).json()["spec"] == replaced_spec


def test_service__merge_patch_of_nested_published_fields(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    body = service("cart")
    body["spec"] = full_service_spec()
    api.post(kalix.api_path("kalixservices"), json=body).raise_for_status()
    patched = api.patch(
        kalix.api_path("kalixservices", "cart"),
        json={"spec": {"replication": {"replicatedRead": None}, "workloadIdentity": {"aws": None}}},
        headers=MERGE,
    ).json()
    wanted = full_service_spec()
    wanted["replication"] = {"mode": "replicated-read"}
    del wanted["workloadIdentity"]["aws"]
    assert patched["spec"] == wanted


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("replication", {"mode": "multi-master"}),
        ("replication", {"replicatedRead": {"primarySelectionMode": "nearest"}}),
        ("resources", {"runtime": {"mode": "native"}}),
        ("tls", {"truststore": {"type": "PEM"}}),
        ("workloadIdentity", {"aws": {}}),
        ("objectStorage", {"name": ""}),
        ("storeConfig", {"database": "carts"}),
        ("resourceSync", {"mode": "everywhere"}),
        ("labels", {"team": 1}),
        ("replicas", "two"),
    ],
)
def test_service__published_types_and_enums_enforced(
    kalix: KalixLocalServer, api: httpx.Client, field: str, value: Any
) -> None:
    body = service("cart")
    body["spec"][field] = value
    status = assert_status(api.post(kalix.api_path("kalixservices"), json=body), 422, "Invalid")
    assert all(c["field"].startswith(f"spec.{field}") for c in status["details"]["causes"])


def test_route__every_published_spec_field_round_trips(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    api.post(kalix.hostnames_path(), json={"name": HOST}).raise_for_status()
    api.post(
        kalix.api_path("kalixsecrets"), json=secret("root-ca", "tls-ca", {"ca.crt": CA_PEM})
    ).raise_for_status()
    api.post(
        kalix.api_path("kalixsecrets"),
        json=secret("server-cert", "tls", {"tls.crt": CA_PEM, "tls.key": KEY_PEM}),
    ).raise_for_status()
    body = route("shop", HOST, {})
    body["spec"] = {
        "host": HOST,
        "routes": [
            {
                "name": "carts",
                "prefix": "/carts",
                "route": {"service": "cart"},
                "enableWebSockets": True,
                "allowStreaming": True,
            },
            {"route": {"service": "web"}},  # no prefix: every other request
        ],
        "tls": {
            "clientValidationCa": {"name": "root-ca"},
            "serverCertificate": {"name": "server-cert"},
        },
        "corsPolicy": {
            "allowOrigins": ["https://www.example.com"],
            "allowMethods": ["GET", "POST", "TRACE"],
        },
        "validation": {
            "clientCertificate": {
                "subjectMatches": [
                    {"exact": "client.example"},
                    {"hasPrefix": "ops."},
                    {"hasSuffix": ".example.org"},
                    {"regex": "^svc-[0-9]+\\.example$"},
                ]
            },
            "httpBasic": {"realm": "shop", "passwordHashes": {"admin": "sha512:AAAA"}},
        },
        "resourceSync": {"mode": "regional"},
    }
    created = api.post(kalix.api_path("kalixroutes"), json=body)
    assert created.status_code == 201, created.text
    assert created.json()["spec"] == body["spec"]
    assert api.get(kalix.api_path("kalixroutes", "shop")).json()["spec"] == body["spec"]


def test_errors__status_with_published_fields_only(
    kalix: KalixLocalServer, api: httpx.Client
) -> None:
    invalid = api.post(kalix.api_path("kalixservices"), json={"metadata": {"name": "x"}})
    not_found = api.get(kalix.api_path("kalixroutes", "nope"))
    bad_param = api.get(kalix.api_path("kalixservices"), params={"watch": "maybe"})
    for response in (invalid, not_found, bad_param):
        body = response.json()
        assert set(body) <= STATUS_FIELDS | {"details"}, body
        assert set(body.get("details", {})) <= {"name", "group", "kind", "uid", "causes"}
        for cause in body.get("details", {}).get("causes", []):
            assert set(cause) <= {"field", "message", "reason"}


def test_lists__published_list_shape(kalix: KalixLocalServer, api: httpx.Client) -> None:
    api.post(kalix.api_path("kalixservices"), json=service("cart")).raise_for_status()
    for plural, kind in (
        ("kalixservices", "KalixServiceList"),
        ("kalixroutes", "KalixRouteList"),
        ("kalixsecrets", "KalixSecretList"),
    ):
        listing = api.get(kalix.api_path(plural)).json()
        assert set(listing) == {"apiVersion", "kind", "metadata", "items"}
        assert (listing["apiVersion"], listing["kind"]) == ("kalix.io/v1alpha1", kind)
        assert set(listing["metadata"]) == {"resourceVersion"}


def test_openapi__delete_answers_a_status(kalix_server: KalixLocalServer) -> None:
    document = httpx.get(f"{kalix_server.url}/openapi.json", timeout=10).json()
    prefix = "/apis/kalix.io/v1alpha1/namespaces/{project}"
    for plural in ("kalixservices", "kalixroutes", "kalixsecrets"):
        delete = document["paths"][f"{prefix}/{plural}/{{name}}"]["delete"]
        schema = delete["responses"]["200"]["content"]["application/json"]["schema"]
        assert schema["$ref"] == "#/components/schemas/Status", plural
        listing = document["paths"][f"{prefix}/{plural}"]["get"]
        names = {p["name"] for p in listing["parameters"]}
        assert {"watch", "resourceVersion", "timeoutSeconds", "fieldSelector"} <= names
    details = document["components"]["schemas"]["StatusDetails"]["properties"]
    assert {"name", "group", "kind", "uid", "causes", "retryAfterSeconds"} <= set(details)
