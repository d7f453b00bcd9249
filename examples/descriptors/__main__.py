"""Kalix descriptors as Pulumi resources: the service and route YAML files a team keeps
for `kalix service apply -f` and `kalix route update -f`, deployed by `pulumi up`."""

import pulumi

import pulumi_kalix as kalix

cart = kalix.Service.from_descriptor("service.yaml")
# A generated hostname: the descriptor's `host` is overridden with it.
host = kalix.Hostname("shop")
route = kalix.Route.from_descriptor(
    "route.yaml",
    "orders",
    hostname=host.hostname,
    # The route names its service by a plain string: deploy the service first.
    opts=pulumi.ResourceOptions(depends_on=[cart]),
)

pulumi.export("url", route.url)
pulumi.export("service_status", cart.status)
pulumi.export("route_status", route.status)
# What `kalix service export` / `kalix route export` would print for them.
pulumi.export("service_descriptor", cart.descriptor())
pulumi.export("route_descriptor", route.descriptor())
