"""`kalix.ServiceExposure`: what `kalix service expose [--enable-cors]` does.

A hostname (generated, a name of your choice, one the project already has, or a
`Hostname` resource of the program) plus a route named after the service that sends
every path (`/`, or `uri_prefix`) to it. Output: `url`.
"""

from __future__ import annotations

from pulumi import ComponentResource, Input, Output, ResourceOptions

from .hostname import Hostname
from .route import Route

#: `--enable-cors`: any origin, the common methods.
CORS_ALL_ORIGINS = ["*"]
CORS_METHODS = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]


class ServiceExposure(ComponentResource):
    #: the hostname the route serves
    hostname: Output[str]
    #: the route's `url`
    url: Output[str]
    #: the route's `status`
    status: Output[str]

    def __init__(
        self,
        resource_name: str,
        *,
        service: Input[str],
        enable_cors: bool = False,
        hostname: Input[str] | Hostname | None = None,
        uri_prefix: str = "/",
        route_name: Input[str] | None = None,
        project: Input[str] | None = None,
        adopt: bool = False,
        opts: ResourceOptions | None = None,
    ) -> None:
        """
        :param service: the service name (use `svc.name` so exposure waits for it).
        :param enable_cors: allow CORS from any origin.
        :param hostname: a `Hostname` resource of this program to route from, or a name:
            reserved by a child `Hostname` (``<name>-host``); with `adopt=True` one the
            project already has is taken over instead (and left on destroy, as adopted
            hostnames are). Omitted: a generated hostname.
        :param uri_prefix: the path prefix routed to the service.
        :param route_name: name of the route (default: the resource name, like the CLI's
            route named after the service).
        :param project: project name or UUID (default: `kalix:project`), for the
            hostname and the route.
        :param adopt: take over a hostname and a route that already exist (e.g. made by
            `akka service expose`), as every resource's `adopt` does.
        """
        super().__init__("kalix:index:ServiceExposure", resource_name, None, opts)
        child = ResourceOptions(parent=self)
        if isinstance(hostname, Hostname):
            self.host = hostname  # the program's own: not a child, not ours to delete
        else:
            self.host = Hostname(
                f"{resource_name}-host", hostname=hostname, project=project, adopt=adopt, opts=child
            )
        self.route = Route(
            f"{resource_name}-route",
            name=route_name if route_name is not None else resource_name,
            hostname=self.host.hostname,
            paths={uri_prefix: service},
            cors_origins=CORS_ALL_ORIGINS if enable_cors else None,
            cors_methods=CORS_METHODS if enable_cors else None,
            project=project,
            adopt=adopt,
            opts=child,
        )
        self.hostname = self.host.hostname
        self.url = self.route.url
        self.status = self.route.status
        self.register_outputs({"hostname": self.hostname, "url": self.url, "status": self.status})
