"""Realistic bodies in the published shapes (the OpenAPI of akka/platform-api), fresh on
every call so a test may mutate them."""

from __future__ import annotations

from typing import Any

API_VERSION = "kalix.io/v1alpha1"
PROJECT = "5f0c3a1e-6b7d-4c1e-9a2b-3d4e5f607182"
BASE = f"/apis/kalix.io/v1alpha1/namespaces/{PROJECT}"
TIME = "2025-01-02T03:04:05Z"


def metadata(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": PROJECT,
        "uid": "0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0",
        "resourceVersion": "42",
        "generation": 3,
        "creationTimestamp": TIME,
        "labels": {"app.kubernetes.io/managed-by": "pulumi-kalix", "team": "shop"},
        "annotations": {"kalix.io/owner": "shop/dev/cart"},
    }


def service() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "KalixService",
        "metadata": metadata("cart"),
        "spec": {
            "containers": [
                {
                    "name": "main",
                    "image": "registry.example/cart:1.2.3",
                    "env": [
                        {"name": "MODE", "value": "prod"},
                        {
                            "name": "DB_PASSWORD",
                            "valueFrom": {"secretKeyRef": {"name": "db", "key": "password"}},
                        },
                    ],
                    "volumeMounts": [
                        {
                            "mountPath": "/etc/tls",
                            "secret": {"secretName": "tls", "defaultMode": 420},
                        }
                    ],
                }
            ],
            "resources": {
                "instanceType": "g1.general.small",
                "autoscaling": {"minInstances": 1, "maxInstances": 5, "cpuUsageThreshold": 70},
                "runtime": {"mode": "sidecar"},
            },
            "jwt": {"keySets": [{"issuer": "https://issuer.example", "useOidcDiscovery": True}]},
            "telemetry": {"tracing": {"enabled": True}, "resourceAttributes": ["team"]},
            "labels": {"team": "shop"},
            "replication": {"mode": "replicated-read"},
            "paused": False,
        },
        "status": {
            "summary": "Ready",
            "replicas": 2,
            "mappedImage": "registry.example/cart:1.2.3",
            "resolvedInstanceType": "g1.general.small",
            "runtimeMode": "sidecar",
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Ready",
                    "message": "2/2 instances ready",
                    "lastTransitionTime": TIME,
                }
            ],
        },
    }


def route() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "KalixRoute",
        "metadata": metadata("shop"),
        "spec": {
            "host": "shop.example.com",
            "routes": [
                {"prefix": "/api", "route": {"service": "cart"}, "allowStreaming": True},
                {"route": {"service": "web"}},
            ],
            "tls": {"serverCertificate": {"name": "shop-tls"}},
            "corsPolicy": {"allowOrigins": ["https://shop.example.com"], "allowMethods": ["GET"]},
            "validation": {
                "httpBasic": {"realm": "shop", "passwordHashes": {"admin": "sha512:abc=="}},
                "clientCertificate": {"subjectMatches": [{"hasSuffix": ".example.com"}]},
            },
        },
        "status": {
            "conditions": [
                {
                    "type": "Ready",
                    "status": "True",
                    "reason": "Ready",
                    "message": "",
                    "lastTransitionTime": TIME,
                    "observedGeneration": 3,  # metav1.Condition has one; routes use it
                },
                {
                    "type": "HostValidation",
                    "status": "True",
                    "reason": "Validated",
                    "message": "shop.example.com CNAMEs to us-east1.kalix.app",
                    "lastTransitionTime": TIME,
                },
            ]
        },
    }


def secret() -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": "KalixSecret",
        "metadata": metadata("db"),
        "spec": {"type": "generic", "data": {"password": "aHVudGVyMg==", "user.name": ""}},
        "status": {"conditions": []},
    }


def object_list(kind: str, *items: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": API_VERSION,
        "kind": f"{kind}List",
        "metadata": {"resourceVersion": "42"},
        "items": list(items),
    }


def status(code: int = 200, reason: str = "") -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status",
        "apiVersion": "v1",
        "metadata": {},
        "status": "Success" if code < 400 else "Failure",
        "code": code,
        "details": {"name": "cart", "kind": "kalixservices", "uid": "0b1c2d3e"},
    }
    if reason:
        body["reason"] = reason
        body["message"] = f"{reason.lower()}: cart"
        body["details"]["causes"] = [{"field": "spec.containers", "message": "x", "reason": "y"}]
    return body


def delete_options() -> dict[str, Any]:
    return {
        "kind": "DeleteOptions",
        "apiVersion": "v1",
        "propagationPolicy": "Foreground",
        "preconditions": {"resourceVersion": "42"},
        "dryRun": ["All"],
    }
