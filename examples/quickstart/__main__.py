"""Quickstart: a Kalix service exposed on a generated hostname (like `kalix service
deploy` + `kalix service expose --enable-cors`)."""

import pulumi

import pulumi_kalix as kalix

config = pulumi.Config()
image = config.get("image") or "kalix-local/shopping-cart:1.0"

cart = kalix.Service("shopping-cart", image=image, min_instances=2, env={"MODE": "demo"})
exposure = kalix.ServiceExposure("shopping-cart", service=cart.name, enable_cors=True)

pulumi.export("url", exposure.url)
pulumi.export("hostname", exposure.hostname)
pulumi.export("service_status", cart.status)
pulumi.export("ready_instances", cart.ready_instances)
pulumi.export("route_status", exposure.status)
