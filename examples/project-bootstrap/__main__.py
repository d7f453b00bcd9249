"""Project bootstrap: one stack creates an Akka project, grants a role in it, mints a
service token for CI and deploys a service into it (like `akka projects new` +
`akka roles add-binding` + `akka projects tokens create` + `akka service deploy`).

The project is protected, and it is deleted only when `allowDelete` is set: deleting a
project deletes everything in it. To tear the stack down, opt in first:

    pulumi config set allowDelete true && pulumi up && pulumi destroy
"""

import pulumi

import pulumi_kalix as kalix

config = pulumi.Config()
allow_delete = config.get_bool("allowDelete") or False

project = kalix.Project(
    "project",
    name=config.get("projectName") or "bootstrap-staging",
    description="staging, managed by the project-bootstrap stack",
    region=config.get("region"),  # default: kalix:region, else the region of kalix:project
    allow_delete=allow_delete,
    # Protected as well, unless the deletion was opted into.
    opts=pulumi.ResourceOptions(protect=not allow_delete),
)
viewers = kalix.RoleBinding(
    "viewer",
    role="viewer",
    principal=config.get("viewer") or "users/00000000-0000-0000-0000-000000000001",
    project=project.id,
)
ci = kalix.ServiceToken(
    "ci",
    description="deploys from CI",
    rotation=config.get("tokenRotation") or "1",  # a new value rotates the token
    project=project.id,
)
api = kalix.Service(
    "bootstrap-api",
    image=config.get("image") or "kalix-local/shopping-cart:1.0",
    project=project.id,
)

pulumi.export("project_id", project.id)
pulumi.export("regions", project.regions)
pulumi.export("ci_token", ci.value)  # a secret: `pulumi stack output ci_token --show-secrets`
pulumi.export("service_status", api.status)
