"""``kalix.auth.v1alpha.Auth``: refresh token -> access token, OIDC token exchange
(RFC 8693) against the local issuer, and who a token is."""

from __future__ import annotations

from typing import Any

from kalix_local.backend import Backend
from kalix_local.backend.tokens import bearer_token
from kalix_local.errors import BadRequest, Forbidden, Unauthorized
from kalix_local.federation.calls import authorization, timestamp
from kalix_local.oidc import InvalidIdToken, verify_id_token
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2
from pulumi_kalix._proto.rpc import ACCESS_TOKEN_TYPE, ID_TOKEN_TYPE, TOKEN_EXCHANGE_GRANT

#: Access tokens from an OIDC exchange are the subject's, not a refresh token's.
OIDC_PRINCIPAL_PREFIX = "oidc-subjects/"


class AuthService:
    """One method per RPC, named as published (rpc.AUTH serves them by name)."""

    def __init__(self, backend: Backend, issuer_key: bytes) -> None:
        self.backend = backend
        self.issuer_key = issuer_key

    def CreateAccessToken(
        self, request: auth_pb2.CreateAccessTokenRequest, context: Any
    ) -> auth_pb2.AccessToken:
        refresh_token = bearer_token(authorization(context))
        issued = self.backend.tokens.exchange_refresh_token(refresh_token)
        return auth_pb2.AccessToken(
            subject=issued.row.subject,
            token=issued.token,
            created_time=timestamp(issued.row.created),
            expire_time=timestamp(issued.row.expires),
            scopes=[auth_pb2.ALL],
        )

    def GetCurrentToken(
        self, request: auth_pb2.GetCurrentTokenRequest, context: Any
    ) -> auth_pb2.CurrentToken:
        caller = self.backend.tokens.caller(authorization(context))
        return auth_pb2.CurrentToken(
            name=caller.principal,
            token_type=auth_pb2.ACCESS,
            token_name=caller.subject,
            created_time=timestamp(caller.created),
            expire_time=timestamp(caller.expires),
            scopes=[auth_pb2.ALL],
            description=f"access token of {caller.subject}",
        )

    def CreateOAuthToken(
        self, request: auth_pb2.CreateOAuthTokenRequest, context: Any
    ) -> auth_pb2.CreateOAuthTokenResponse:
        region = f"regions/{self.backend.core.settings.region}"
        if request.grant_type != TOKEN_EXCHANGE_GRANT:
            raise BadRequest(
                f'grant_type "{request.grant_type}" is not supported: use {TOKEN_EXCHANGE_GRANT}'
            )
        if request.subject_token_type != ID_TOKEN_TYPE:
            raise BadRequest(
                f'subject_token_type "{request.subject_token_type}" is not supported: '
                f"use {ID_TOKEN_TYPE}"
            )
        if request.requested_token_type not in ("", ACCESS_TOKEN_TYPE):
            raise BadRequest(
                f'requested_token_type "{request.requested_token_type}" is not supported: '
                f"use {ACCESS_TOKEN_TYPE}"
            )
        if not request.audience:
            raise BadRequest(f'audience is required for a token exchange (here "{region}")')
        if request.audience != region:
            raise BadRequest(f'audience "{request.audience}" is not known here: use "{region}"')
        if not request.subject_token:
            raise BadRequest("subject_token is required for a token exchange")
        core = self.backend.core
        try:
            claims = verify_id_token(
                self.issuer_key, request.subject_token, request.audience, now=core.clock()
            )
        except InvalidIdToken as exc:
            raise Unauthorized(str(exc)) from None
        subject = str(claims["sub"])
        with core.store.tx() as tx:
            projects = tx.trusted_projects(subject)
        if not projects:
            raise Forbidden(
                f'subject "{subject}" is not trusted for any project '
                "(kalix-local oidc-token --project P records a trust entry)"
            )
        principal = OIDC_PRINCIPAL_PREFIX + subject
        issued = self.backend.tokens.issue(principal, principal, frozenset(projects))
        return auth_pb2.CreateOAuthTokenResponse(
            access_token=issued.token,
            token_type="Bearer",
            expires_in=round(issued.row.expires - issued.row.created),
            issued_token_type=ACCESS_TOKEN_TYPE,
        )
