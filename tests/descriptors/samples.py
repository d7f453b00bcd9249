"""Realistic descriptors, written as `kalix ... export` writes them (keys alphabetical),
so a round trip must reproduce them byte for byte."""

from __future__ import annotations

import base64
import hashlib

SERVICE_YAML = """\
name: shopping-cart
service:
  env:
  - name: LOG_LEVEL
    value: info
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        key: password
        name: db-creds
  - name: FEATURE_FLAGS
    valueFrom:
      secretKeyRef:
        key: flags
        name: features
        optional: true
  image: acme.example/shopping-cart:1.4.2
  jwt:
    keys:
    - algorithm: HS256
      issuer: https://auth.acme.org
      keyId: signing-key
      secret:
        name: jwt-signing
  resources:
    autoscaling:
      cpuUsageThreshold: 70
      maxInstances: 6
      minInstances: 2
    instanceType: small
  telemetry:
    tracing:
      enabled: true
  volumeMounts:
  - mountPath: /etc/acme/certs
    secret:
      defaultMode: 420
      optional: false
      secretName: acme-certs
"""

#: What kalix.Service models: env (plain and secret), autoscaling bounds, instance type.
SIMPLE_SERVICE_YAML = """\
name: product-info
service:
  env:
  - name: CATALOG_URL
    value: https://catalog.acme.org
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        key: password
        name: db-creds
  image: acme.example/product-info:2.0.1
  resources:
    autoscaling:
      maxInstances: 4
      minInstances: 2
    instanceType: general.small
"""

ADMIN_HASH = "sha256:" + base64.b64encode(hashlib.sha256(b"s3cret").digest()).decode()

ROUTE_YAML = f"""\
corsPolicy:
  allowMethods:
  - GET
  - POST
  allowOrigins:
  - https://www.acme.org
host: ecommerce.acme.org
routes:
- name: carts
  prefix: /carts
  route:
    service: shopping-cart
- allowStreaming: true
  enableWebSockets: true
  prefix: /live
  route:
    service: notifications
- prefix: /
  route:
    service: product-info
tls:
  clientValidationCa:
    name: acme-root-ca
  serverCertificate:
    name: acme-tls
validation:
  clientCertificate:
    subjectMatches:
    - hasSuffix: .acme.org
    - exact: partner.example.com
  httpBasic:
    passwordHashes:
      admin: {ADMIN_HASH}
    realm: acme-admin
"""

#: The reference's `kalix route export` example (flow style, keys alphabetical).
REFERENCE_EXPORT = """\
corsPolicy: {allowMethods: [GET, POST], allowOrigins: ['https://www.acme.org']}
host: ecommerce.acme.org
routes:
- prefix: /carts
  route: {service: shopping-cart}
"""

CA_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeCA\n-----END CERTIFICATE-----\n"
CERT_PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeCert\n-----END CERTIFICATE-----\n"
KEY_PEM = "-----BEGIN PRIVATE KEY-----\nMIIBfakeKey\n-----END PRIVATE KEY-----\n"
