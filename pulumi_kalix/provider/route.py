"""CRUD of `KalixRoute` objects for the `Route` resource.

Paths are an ordered list (the first matching prefix wins), so they are compared in
order; CORS origins, methods and certificate subjects are sets. HTTP basic passwords
arrive already hashed by the program: plain passwords never reach the provider.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi.dynamic import CheckFailure, ReadResult

from ..api import (
    CORS_METHODS,
    ClientCertificateValidation,
    CorsPolicy,
    HttpBasic,
    KalixRoute,
    ObjectMeta,
    ObjectRef,
    RouteDestination,
    RouteRule,
    RouteSpec,
    RouteTls,
    RouteValidation,
    StringMatcher,
)
from ..api.route import PASSWORD_HASH_PATTERN
from ..api.sync import ResourceSync
from ..awaiting import route_summary
from ..claims import CLAIM_KEY
from ._base import (
    ObjectProvider,
    Props,
    check_name,
    failure,
    is_unknown,
    string_list_failures,
    type_name,
)
from .hostname import HOSTNAME_RE

USER_KEYS = (
    "name",
    "hostname",
    "paths",
    "cors_origins",
    "cors_methods",
    "client_ca_secret",
    "client_certificate_subjects",
    "server_certificate_secret",
    "http_basic",
    "resource_sync",
)
#: Set by other tools too: unset (None) keeps the live value; "" removes it.
KEPT_WHEN_UNSET = ("resource_sync",)
#: A subject matcher given as a map: exactly one of these (the published StringMatcher).
MATCHER_KEYS = ("exact", "has_prefix", "has_suffix", "regex")
PROGRAM_KEYS = ("wait_for_dns", "dns_timeout")
PATH_KEYS = {"prefix", "service", "websockets", "streaming", "name"}
#: An origin: `*`, or scheme://host[:port] (no path, no trailing '/').
CORS_ORIGIN = re.compile(
    r"^(\*|[A-Za-z][A-Za-z0-9+.-]*://"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*"
    r"(?::[0-9]{1,5})?)$"
)


def subject_matcher(subject: str) -> StringMatcher:
    """`*.acme.org` -> suffix, `client.*` -> prefix, anything else exact (as the CLI)."""
    if subject.startswith("*"):
        return StringMatcher(has_suffix=subject[1:])
    if subject.endswith("*"):
        return StringMatcher(has_prefix=subject[:-1])
    return StringMatcher(exact=subject)


def subject_text(matcher: StringMatcher) -> str:
    if matcher.has_suffix is not None:
        return f"*{matcher.has_suffix}"
    if matcher.has_prefix is not None:
        return f"{matcher.has_prefix}*"
    return matcher.exact or matcher.regex or ""


def subject_input(matcher: StringMatcher) -> str | dict[str, str]:
    """A matcher as `client_certificate_subjects` takes it: the CLI's string form when
    it reads back as the same matcher, else the matcher as a map (`{"regex": ...}`)."""
    text = subject_text(matcher)
    if matcher.regex is None and subject_matcher(text) == matcher:
        return text
    return {k: v for k, v in matcher.model_dump().items() if k in MATCHER_KEYS and v is not None}


def to_matcher(subject: Any) -> StringMatcher:
    if isinstance(subject, dict):
        return StringMatcher.model_validate(subject)
    return subject_matcher(str(subject))


class RouteProvider(ObjectProvider[KalixRoute]):
    noun = "route"
    diff_keys = USER_KEYS
    collection = "routes"
    input_keys = (*USER_KEYS, *PROGRAM_KEYS)
    delete_timeout = 60.0
    set_keys = ("cors_origins", "cors_methods", "client_certificate_subjects")

    def failures(self, news: Props) -> list[CheckFailure]:
        out = check_name(news.get("name"))
        host = news.get("hostname")
        if not is_unknown(host) and (not isinstance(host, str) or not HOSTNAME_RE.match(host)):
            out.append(
                failure("hostname", f"hostname must be a hostname of the project, got {host!r}")
            )
        out += self._path_failures(news.get("paths"))
        out += self._cors_failures(news)
        for key in ("client_ca_secret", "server_certificate_secret"):
            out += check_name(news[key], key) if news.get(key) is not None else []
        out += self._subject_failures(news.get("client_certificate_subjects"))
        if news.get("client_certificate_subjects") and not news.get("client_ca_secret"):
            out.append(
                failure(
                    "client_certificate_subjects",
                    "client_certificate_subjects need client_ca_secret (a tls-ca secret) to "
                    "validate client certificates against",
                )
            )
        out += self._http_basic_failures(news.get("http_basic"))
        sync = news.get("resource_sync")
        if sync not in (None, "", "global", "regional") and not is_unknown(sync):
            out.append(
                failure("resource_sync", f"resource_sync must be global or regional, got {sync!r}")
            )
        return out

    def read(self, id_: str, props: Props) -> ReadResult:
        """Refresh reports drift only in what the program manages: an unset
        `resource_sync` stays unset, and a flag stored as `False` (states from before
        flags could be unset) reads back as `False` when the live rule leaves it out."""
        result = super().read(id_, props)
        paths = props.get("paths")
        stored: list[Any] = paths if isinstance(paths, list) else []
        for view in (v for v in (result.outs, result.inputs) if v):
            if props.get("resource_sync") is None:
                view["resource_sync"] = None
            rules = view.get("paths") or []
            for rule, old in zip(rules, stored, strict=False):
                for flag in ("websockets", "streaming"):
                    if isinstance(old, dict) and old.get(flag) is False and flag not in rule:
                        rule[flag] = False
        return result

    def changed_keys(self, olds: Props, news: Props) -> list[str]:
        # An unset flag and `False` are the same rule to the platform (false is the
        # default), so states written before flags could be unset show no change.
        def flags(props: Props) -> Props:
            paths = props.get("paths")
            if not isinstance(paths, list) or is_unknown(paths):
                return props
            rules = [
                {
                    **r,
                    "websockets": bool(r.get("websockets")),
                    "streaming": bool(r.get("streaming")),
                }
                if isinstance(r, dict)
                else r
                for r in paths
            ]
            return {**props, "paths": rules}

        changed = super().changed_keys(flags(olds), flags(news))
        return [k for k in changed if not (k in KEPT_WHEN_UNSET and news.get(k) is None)]

    @staticmethod
    def _cors_failures(news: Props) -> list[CheckFailure]:
        out = string_list_failures(news, "cors_methods", "['GET', 'POST']")
        out += string_list_failures(news, "cors_origins", "['https://www.example.com']")
        methods = news.get("cors_methods")
        if isinstance(methods, list):
            # The API takes any HTTP token (`*` is one: the CORS wildcard); anything but
            # the standard methods or `*` is a typo more likely than a custom method.
            allowed = (*CORS_METHODS, "*")
            for i, m in enumerate(methods):
                if isinstance(m, str) and m.upper() not in allowed:
                    out.append(
                        failure(
                            f"cors_methods[{i}]",
                            f"CORS method {m!r} is not allowed: use {', '.join(allowed)}",
                        )
                    )
        origins = news.get("cors_origins")
        if isinstance(origins, list):
            for i, o in enumerate(origins):
                if isinstance(o, str) and not CORS_ORIGIN.match(o):
                    out.append(
                        failure(
                            f"cors_origins[{i}]",
                            f"CORS origin {o!r} must be '*' or a scheme and host such as "
                            "'https://www.example.com' or 'http://localhost:8080' (no path)",
                        )
                    )
        return out

    @staticmethod
    def _subject_failures(subjects: Any) -> list[CheckFailure]:
        # A lone string is refused rather than taken as one subject: the input is typed
        # as a list (like cors_origins and cors_methods, which refuse one too), a string
        # is most likely a missing pair of brackets, and before this check it was split
        # into one matcher per character. Refusing says so instead of guessing.
        strings = (
            [s for s in subjects if not isinstance(s, dict)]
            if isinstance(subjects, list)
            else subjects
        )
        out = string_list_failures(
            {"client_certificate_subjects": strings},
            "client_certificate_subjects",
            "['client.acme.org', '*.acme.org']",
        )
        for i, subject in enumerate(subjects if isinstance(subjects, list) else []):
            if isinstance(subject, dict) and not is_unknown(subject):
                where = f"client_certificate_subjects[{i}]"
                extra = sorted(set(subject) - set(MATCHER_KEYS))
                given = [k for k in MATCHER_KEYS if isinstance(subject.get(k), str)]
                if extra or len(given) != 1:
                    out.append(
                        failure(
                            where,
                            f"{where} must be a string or a map with exactly one of "
                            f"{', '.join(MATCHER_KEYS)}",
                        )
                    )
                elif given == ["regex"]:
                    try:
                        re.compile(subject["regex"])
                    except re.error as exc:
                        out.append(failure(f"{where}.regex", f"{where}.regex is not valid: {exc}"))
                continue
            if isinstance(subject, str) and subject.strip("*").strip() == "":
                out.append(
                    failure(
                        f"client_certificate_subjects[{i}]",
                        f"client_certificate_subjects[{i}] must not be empty (nor only '*'): "
                        "use an exact subject, '*.suffix' or 'prefix*'",
                    )
                )
        return out

    @staticmethod
    def _path_failures(paths: Any) -> list[CheckFailure]:
        if is_unknown(paths):
            return []
        if not isinstance(paths, list) or not paths:
            return [failure("paths", "paths is required: at least one prefix -> service rule")]
        out: list[CheckFailure] = []
        seen: set[str] = set()
        for i, rule in enumerate(paths):
            where = f"paths[{i}]"
            if is_unknown(rule):
                continue
            if not isinstance(rule, dict):
                out.append(
                    failure(
                        where,
                        f"{where} must be a kalix.PathRule or a map with 'prefix' and "
                        f"'service', got {type_name(rule)} (for plain rules pass "
                        "paths={'/prefix': service})",
                    )
                )
                continue
            extra = set(rule) - PATH_KEYS
            if extra:
                out.append(
                    failure(
                        where,
                        f"{where} has unknown keys {sorted(extra)}; allowed: {sorted(PATH_KEYS)}",
                    )
                )
            prefix = rule.get("prefix")
            if not is_unknown(prefix):
                if not isinstance(prefix, str) or not prefix.startswith("/"):
                    out.append(
                        failure(f"{where}.prefix", f"prefix must start with '/', got {prefix!r}")
                    )
                elif "*" in prefix or any(c.isspace() for c in prefix):
                    out.append(
                        failure(
                            f"{where}.prefix",
                            f"prefix {prefix!r} is not valid: a path prefix such as '/carts' "
                            "matches everything below it, so it takes no '*' and no whitespace",
                        )
                    )
                elif prefix in seen:
                    out.append(failure(f"{where}.prefix", f"prefix {prefix!r} is listed twice"))
                else:
                    seen.add(prefix)
            out += check_name(rule.get("service"), f"{where}.service")
        return out

    @staticmethod
    def _http_basic_failures(basic: Any) -> list[CheckFailure]:
        if basic is None or is_unknown(basic):
            return []
        if not isinstance(basic, dict) or not basic.get("realm"):
            return [failure("http_basic", "http_basic needs a realm and password hashes")]
        hashes = basic.get("password_hashes")
        if not isinstance(hashes, dict) or not hashes:
            return [failure("http_basic.password_hashes", "at least one user is required")]
        return [
            failure(
                f"http_basic.password_hashes.{user}",
                "must be '<sha256|sha384|sha512>:<base64 digest>' (use kalix.HttpBasic)",
            )
            for user, h in hashes.items()
            if not is_unknown(h) and not re.match(PASSWORD_HASH_PATTERN, str(h))
        ]

    def normalize(self, news: Props) -> Props:
        if isinstance(news.get("cors_methods"), list):
            news["cors_methods"] = [str(m).upper() for m in news["cors_methods"]]
        if isinstance(news.get("paths"), list):
            news["paths"] = [
                {
                    "prefix": r["prefix"],
                    "service": r["service"],
                    **{k: bool(r[k]) for k in ("websockets", "streaming") if r.get(k) is not None},
                    **({"name": r["name"]} if r.get("name") else {}),
                }
                for r in news["paths"]
            ]
        return news

    # -- wire mapping ----------------------------------------------------------------

    @staticmethod
    def spec_from(props: Props, current: RouteSpec | None) -> RouteSpec:
        spec = (
            current.model_copy(deep=True)
            if current
            else RouteSpec(host="-", routes=[RouteRule(route=RouteDestination(service="-"))])
        )
        spec.host = str(props["hostname"])
        spec.routes = [
            RouteRule(
                name=r.get("name"),
                prefix=r["prefix"],
                route=RouteDestination(service=r["service"]),
                # An explicit False is written as false (a descriptor may say so).
                enable_web_sockets=r.get("websockets"),
                allow_streaming=r.get("streaming"),
            )
            for r in props["paths"]
        ]
        origins, methods = props.get("cors_origins"), props.get("cors_methods")
        spec.cors_policy = (
            CorsPolicy(allow_origins=origins or None, allow_methods=methods or None)
            if origins or methods
            else None
        )
        ca, cert = props.get("client_ca_secret"), props.get("server_certificate_secret")
        spec.tls = (
            RouteTls(
                client_validation_ca=ObjectRef(name=ca) if ca else None,
                server_certificate=ObjectRef(name=cert) if cert else None,
            )
            if ca or cert
            else None
        )
        subjects = props.get("client_certificate_subjects")
        basic = props.get("http_basic")
        spec.validation = (
            RouteValidation(
                client_certificate=ClientCertificateValidation(
                    subject_matches=[to_matcher(s) for s in subjects]
                )
                if subjects
                else None,
                http_basic=HttpBasic(
                    realm=basic["realm"], password_hashes=dict(basic["password_hashes"])
                )
                if basic
                else None,
            )
            if subjects or basic
            else None
        )
        sync = props.get("resource_sync")
        if sync is not None:
            spec.resource_sync = ResourceSync(mode=sync) if sync else None
        return spec

    @staticmethod
    def inputs_from(obj: KalixRoute) -> Props:
        spec = obj.spec
        validation = spec.validation
        cert = validation.client_certificate if validation else None
        basic = validation.http_basic if validation else None
        return {
            "name": obj.metadata.name,
            "hostname": spec.host,
            "paths": [
                {
                    "prefix": r.prefix,
                    "service": r.route.service,
                    **{
                        k: v
                        for k, v in (
                            ("websockets", r.enable_web_sockets),
                            ("streaming", r.allow_streaming),
                        )
                        if v is not None
                    },
                    **({"name": r.name} if r.name else {}),
                }
                for r in spec.routes
            ],
            "cors_origins": (spec.cors_policy.allow_origins if spec.cors_policy else None),
            "cors_methods": (spec.cors_policy.allow_methods if spec.cors_policy else None),
            "client_ca_secret": (
                spec.tls.client_validation_ca.name
                if spec.tls and spec.tls.client_validation_ca
                else None
            ),
            "client_certificate_subjects": (
                [subject_input(m) for m in cert.subject_matches] if cert else None
            ),
            "server_certificate_secret": (
                spec.tls.server_certificate.name
                if spec.tls and spec.tls.server_certificate
                else None
            ),
            "http_basic": (
                {"realm": basic.realm, "password_hashes": dict(basic.password_hashes)}
                if basic
                else None
            ),
            "resource_sync": spec.resource_sync.mode if spec.resource_sync else None,
        }

    @staticmethod
    def computed(obj: KalixRoute) -> Props:
        conditions = (obj.status.conditions if obj.status else None) or []
        return {
            # Derived from the published conditions: a route status has no summary.
            "status": route_summary(conditions),
            "conditions": [c.model_dump(exclude_none=True) for c in conditions],
            "host": obj.spec.host,
            "url": f"https://{obj.spec.host}",
            "generation": obj.metadata.generation or 0,
            "uid": obj.metadata.uid or "",
        }

    def outputs(self, obj: KalixRoute, props: Props) -> Props:
        echoed = {k: props.get(k) for k in (*USER_KEYS, *PROGRAM_KEYS, "adopt", CLAIM_KEY)}
        echoed["project"] = self.project_of(props)
        return {**echoed, **self.computed(obj)}

    def desired(self, props: Props, current: KalixRoute | None) -> KalixRoute:
        meta = current.metadata.model_copy(deep=True) if current else ObjectMeta(name=props["name"])
        meta.annotations = self.claimed(props, meta.annotations) or None
        return KalixRoute(
            metadata=meta, spec=self.spec_from(props, current.spec if current else None)
        )
