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

#: A service descriptor with every field the Akka service descriptor reference and
#: the published API have (as `export` writes it: keys alphabetical).
EVERY_FIELD_SERVICE_YAML = """\
name: every-field
service:
  annotations:
    contact: team@acme.org
  env:
  - name: MODE
    value: prod
  - name: DB_PASSWORD
    valueFrom:
      secretKeyRef:
        key: password
        name: db-creds
  image: acme.example/every-field:1.0.0
  jwt:
    keySets:
    - issuer: https://accounts.acme.org
      refreshInterval: 30m
      useOidcDiscovery: true
    - issuer: https://example.com
      jwksUrl: https://example.com/.well-known/jwks.json
    - allowedAlgorithms:
      - RS256
      - EdDSA
      issuer: internal-issuer
      secret:
        key: jwks.json
        name: internal-jwks
    - externalSecret:
        key: jwks.json
        name: vault-jwks
    keys:
    - algorithm: HS256
      issuer: https://auth.acme.org
      keyId: legacy
      secret:
        name: jwt-signing
  labels:
    team: commerce
  objectStorage:
    name: acme-bucket
  replication:
    mode: replicated-read
    replicatedRead:
      primarySelectionMode: pinned-region
  resourceSync:
    mode: global
  resources:
    autoscaling:
      cpuUsageThreshold: 70
      maxInstances: 4
      minInstances: 2
    instanceType: g1.general.small
    runtime:
      mode: embedded
  serviceConfig: every-config
  storeConfig:
    database: every
    secret:
      name: store-creds
    store:
      name: acme-store
  telemetry:
    resourceAttributes:
    - team
    tracing:
      enabled: true
  tls:
    truststore:
      key: truststore.p12
      passwordKey: password
      secret:
        name: acme-truststore
      type: PKCS12
  volumeMounts:
  - mountPath: /var/run/secrets/tokens
    workloadIdentityToken:
      audience: https://target.example.com
      expirationSeconds: 3600
      path: token
  - externalSecret:
      provider: vault
    mountPath: /secrets/vault
  - mountPath: /etc/acme/certs
    secret:
      defaultMode: 288
      items:
      - key: ca.crt
        mode: 256
        path: ca.pem
      optional: true
      secretName: acme-certs
  workloadIdentity:
    aws:
      roleArn: arn:aws:iam::123456789012:role/every-field
    azure:
      clientId: c1
      tenantId: t1
    gcp:
      gcpServiceAccount: sa@acme.iam.gserviceaccount.com
"""
