"""Custom domain: a Kalix hostname made valid by a Route 53 CNAME record in the same stack.

What `kalix project hostname add shop.example.com`, a CNAME in your DNS zone to the
CNAME target it prints, and `kalix route create` do, as one program: the route waits
until the control plane has validated the hostname through DNS and is Ready.

Stack config (namespace `kalix-custom-domain-route53:`):
- `domain`: the custom hostname (default `shop.example.com`);
- `zoneId`: an existing hosted zone to put the record in; without it a zone for the
  parent domain (`example.com`, or `zoneName`) is created;
- `createRecord`: `false` leaves the CNAME out, so the route never validates;
- `dnsTimeout`: seconds the route waits for DNS validation (default 300).
"""

import pulumi
import pulumi_aws as aws
from pulumi import ResourceOptions

import pulumi_kalix as kalix

config = pulumi.Config()
domain = config.get("domain") or "shop.example.com"
create_record = config.get_bool("createRecord")
create_record = True if create_record is None else create_record
dns_timeout = config.get_float("dnsTimeout") or 300.0

cart = kalix.Service("storefront", image=config.get("image") or "kalix-local/storefront:1.0")
hostname = kalix.Hostname("shop", hostname=domain)

zone_id: pulumi.Input[str]
if config.get("zoneId"):
    zone_id = config.require("zoneId")
else:
    zone = aws.route53.Zone("zone", name=config.get("zoneName") or domain.split(".", 1)[1])
    zone_id = zone.zone_id

# The record's target comes from the Hostname (`<region>.<apps domain>`), never typed by hand.
records: list[pulumi.Resource] = []
if create_record:
    record = aws.route53.Record(
        "shop-cname",
        zone_id=zone_id,
        name=hostname.hostname,
        type="CNAME",
        ttl=300,
        records=[hostname.cname],
    )
    records.append(record)
    pulumi.export("record_fqdn", record.fqdn)

route = kalix.Route(
    "storefront",
    hostname=hostname.hostname,
    paths={"/": cart.name},
    # Ready only once the control plane has seen the CNAME; depends_on makes sure the
    # record exists before the route starts waiting.
    wait_for_dns=True,
    dns_timeout=dns_timeout,
    opts=ResourceOptions(depends_on=records),
)

pulumi.export("url", route.url)
pulumi.export("cname", hostname.cname)
pulumi.export("route_status", route.status)
pulumi.export("zone_id", zone_id)
