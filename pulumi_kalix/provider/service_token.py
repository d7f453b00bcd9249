"""CRUD of project service tokens for the `ServiceToken` resource, on the federation
plane: `CreateToken` (the value is in its answer only), `ListTokens` (read by listing)
and `DeleteToken` (revokes it). There is no update: a change of description, scopes or
`rotation` makes a new token, created before the old one is revoked.

The value is an output marked secret by the resource class (`additional_secret_outputs`),
so it reaches the state encrypted only; a refresh keeps it (no call returns it again).
A create whose answer was lost cannot be retried (a repeat makes a second token) and
its value is lost anyway: the error names the token(s) that appeared, to revoke.
"""

from __future__ import annotations

from typing import Any

from pulumi.dynamic import CheckFailure, CreateResult, ReadResult, UpdateResult

from .._proto.kalix.auth.v1alpha import auth_pb2
from .._proto.kalix.projects.v1alpha import projects_pb2
from ..claims import CLAIM_KEY
from ..errors import APIConnectionError, KalixError, NotFoundError, ServerError
from ._base import KalixProvider, Props, ProviderError, check_type, failure, is_unknown

#: Scope names as published (kalix.auth.v1alpha.TokenScope), lower-case as the CLI's
#: `--scope` takes them.
SCOPES = tuple(v.name.lower() for v in auth_pb2.TokenScope.DESCRIPTOR.values)
_UNCERTAIN = (APIConnectionError, ServerError)


def _time(value: Any) -> str:
    return str(value.ToJsonString()) if value.seconds or value.nanos else ""


class ServiceTokenProvider(KalixProvider):
    noun = "service token"
    diff_keys = ("description", "scopes", "rotation")
    replace_keys = ("description", "scopes", "rotation", "project")
    set_keys = ("scopes",)

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_type(news, "description", str, "a string")
        out += check_type(news, "rotation", str, "a string")
        scopes = news.get("scopes")
        if scopes is not None and not is_unknown(scopes):
            if not isinstance(scopes, list):
                out.append(
                    failure("scopes", f"scopes must be a list such as ['all'], got {scopes!r}")
                )
            else:
                for i, scope in enumerate(scopes):
                    if not is_unknown(scope) and str(scope).lower() not in SCOPES:
                        out.append(
                            failure(
                                f"scopes[{i}]",
                                f"scopes[{i}] must be one of {', '.join(SCOPES)}, got {scope!r}",
                            )
                        )
        return out

    def normalize(self, news: Props) -> Props:
        news["description"] = news.get("description") or ""
        news["scopes"] = sorted({str(s).lower() for s in news.get("scopes") or ["all"]})
        return news

    def describe(self, action: str, name: str, project: str) -> str:
        return f"{action} service token {name!r} in project {project!r}"

    def outputs(self, token: projects_pb2.ServiceToken, props: Props, value: str) -> Props:
        return {
            "token_name": token.name,
            "description": token.description,
            "scopes": sorted(auth_pb2.TokenScope.Name(s).lower() for s in token.scopes),
            "created_time": _time(token.created_time),
            "expire_time": _time(token.expire_time),
            "rotation": props.get("rotation"),
            "project": self.project_of(props),
            "value": value,
            CLAIM_KEY: props.get(CLAIM_KEY),
        }

    def create(self, props: Props) -> CreateResult:
        description = str(props.get("description") or "")
        project = self.project_of(props)
        scopes = [auth_pb2.TokenScope.Value(s.upper()) for s in props.get("scopes") or ["all"]]
        before: set[str] = set()
        try:
            session = self.session()
            project_id = session.project(project).id
            federation = session.federation
            before = {t.name for t in federation.list_tokens(project_id)}
            try:
                made = federation.create_token(project_id, description, scopes)
            except _UNCERTAIN as exc:
                appeared = sorted(
                    t.name
                    for t in federation.list_tokens(project_id)
                    if t.name not in before and t.description == description
                )
                where = (
                    f"; it may have made {', '.join(appeared)}, whose value is lost: revoke "
                    "it (`akka projects tokens revoke`)"
                    if appeared
                    else ""
                )
                raise ProviderError(
                    f"creating a service token in project {project!r} failed: its answer was "
                    f"lost ({exc}){where}; run `pulumi up` again for a new one"
                ) from exc
        except ProviderError:
            raise
        except KalixError as exc:
            raise self.explain(exc, "creating", description, project) from exc
        return CreateResult(made.token.name, self.outputs(made.token, props, made.value))

    def read(self, id_: str, props: Props) -> ReadResult:
        project = self.project_of(props)
        project_id = id_.removeprefix("projects/").partition("/")[0]
        try:
            tokens = self.session().federation.list_tokens(project_id)
        except NotFoundError:
            return ReadResult("", {})
        except KalixError as exc:
            raise self.explain(exc, "reading", id_, project) from exc
        found = next((t for t in tokens if t.name == id_), None)
        if found is None:
            return ReadResult("", {})  # revoked by hand: the next `up` makes a new one
        # No call returns the value again: keep the one the create answered.
        outs = self.outputs(found, props, str(props.get("value") or ""))
        inputs = {k: outs[k] for k in ("description", "scopes", "rotation", "project")}
        inputs[CLAIM_KEY] = props.get(CLAIM_KEY)
        return ReadResult(id_, outs, inputs)

    def update(self, id_: str, olds: Props, news: Props) -> UpdateResult:
        # Everything else replaces: only the claim moves (a rename, a new stack name).
        return UpdateResult({**olds, CLAIM_KEY: news.get(CLAIM_KEY)})

    def delete(self, id_: str, props: Props) -> None:
        try:
            self.session().federation.delete_token(id_)
        except NotFoundError:
            pass
        except KalixError as exc:
            raise self.explain(exc, "revoking", id_, self.project_of(props)) from exc
