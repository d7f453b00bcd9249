"""gRPC routes: the shop's gRPC services behind one route, with CORS and client certificates.

The route of the Kalix docs' route descriptor, as a Pulumi stack. Stack config
`version` picks which release of the stack to deploy:

- `1`: `shopping-cart` serves `/example.ecommerce.ShoppingCart` and `product-info`
  serves `/example.ecommerce.ProductInfo`;
- `2`: product-info is retired and an `inventory` service serves
  `/example.ecommerce.Inventory`, appended after the cart's path — what
  `kalix route update shop --remove-path /example.ecommerce.ProductInfo
  --path /example.ecommerce.Inventory=inventory` does. `pulumi up` updates the route in
  place first, then deletes product-info, which nothing routes to any more.

Both versions allow CORS from `https://www.example.com` (GET, POST) and only accept
clients presenting a certificate signed by `client-ca.pem` with a subject matching
`*.example.com`. Config `hostname` routes a custom hostname instead of a generated one
(it then needs a CNAME to the hostname's `cname` before the route is Ready).
"""

from pathlib import Path

import pulumi

import pulumi_kalix as kalix

config = pulumi.Config()
version = config.get_int("version") or 1
if version not in (1, 2):
    raise ValueError(f"config version must be 1 or 2, not {version}")
image_repo = config.get("imageRepo") or "kalix-local"

# Only the CA *certificate* is in the repository; its key never existed outside the
# script that generated it.
ca_pem = (Path(__file__).parent / "client-ca.pem").read_text()
client_ca = kalix.Secret("tls-ca", type="tls-ca", data={"ca.crt": ca_pem})


def grpc_service(name: str) -> kalix.Service:
    return kalix.Service(name, image=f"{image_repo}/{name}:1.0")


cart = grpc_service("grpc-cart")
paths: dict[str, pulumi.Input[str]] = {"/example.ecommerce.ShoppingCart": cart.name}
if version == 1:
    paths["/example.ecommerce.ProductInfo"] = grpc_service("product-info").name
else:
    paths["/example.ecommerce.Inventory"] = grpc_service("inventory").name

hostname = kalix.Hostname("shop", hostname=config.get("hostname"))
route = kalix.Route(
    "shop",
    hostname=hostname.hostname,
    paths=paths,  # ordered: the first matching prefix wins
    cors_origins=["https://www.example.com"],
    cors_methods=["GET", "POST"],
    client_ca_secret=client_ca.name,
    client_certificate_subjects=["*.example.com"],
)

pulumi.export("version", version)
pulumi.export("host", hostname.hostname)
pulumi.export("url", route.url)
pulumi.export("route_status", route.status)
pulumi.export("paths", list(paths))
