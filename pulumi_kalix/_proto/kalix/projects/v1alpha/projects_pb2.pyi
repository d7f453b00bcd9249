from google.protobuf import empty_pb2 as _empty_pb2
from google.protobuf import field_mask_pb2 as _field_mask_pb2
from google.protobuf import timestamp_pb2 as _timestamp_pb2
from pulumi_kalix._proto.kalix.auth.v1alpha import auth_pb2 as _auth_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Project(_message.Message):
    __slots__ = ("name", "friendly_name", "description", "owner", "hostnames", "deleted", "suspended", "regions")
    NAME_FIELD_NUMBER: _ClassVar[int]
    FRIENDLY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    OWNER_FIELD_NUMBER: _ClassVar[int]
    HOSTNAMES_FIELD_NUMBER: _ClassVar[int]
    DELETED_FIELD_NUMBER: _ClassVar[int]
    SUSPENDED_FIELD_NUMBER: _ClassVar[int]
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    name: str
    friendly_name: str
    description: str
    owner: OrganizationOwner
    hostnames: _containers.RepeatedCompositeFieldContainer[Hostname]
    deleted: _timestamp_pb2.Timestamp
    suspended: _timestamp_pb2.Timestamp
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    def __init__(self, name: _Optional[str] = ..., friendly_name: _Optional[str] = ..., description: _Optional[str] = ..., owner: _Optional[_Union[OrganizationOwner, _Mapping]] = ..., hostnames: _Optional[_Iterable[_Union[Hostname, _Mapping]]] = ..., deleted: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., suspended: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ...) -> None: ...

class OrganizationOwner(_message.Message):
    __slots__ = ("friendly_name", "name")
    FRIENDLY_NAME_FIELD_NUMBER: _ClassVar[int]
    NAME_FIELD_NUMBER: _ClassVar[int]
    friendly_name: str
    name: str
    def __init__(self, friendly_name: _Optional[str] = ..., name: _Optional[str] = ...) -> None: ...

class Hostname(_message.Message):
    __slots__ = ("name", "is_generated", "skip_provision_cert")
    NAME_FIELD_NUMBER: _ClassVar[int]
    IS_GENERATED_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_FIELD_NUMBER: _ClassVar[int]
    SKIP_PROVISION_CERT_FIELD_NUMBER: _ClassVar[int]
    name: str
    is_generated: bool
    skip_provision_cert: bool
    def __init__(self, name: _Optional[str] = ..., is_generated: bool = ..., skip_provision_cert: bool = ..., **kwargs) -> None: ...

class ListProjectsRequest(_message.Message):
    __slots__ = ("page_size", "page_token", "include_deleted", "include_system_deleted", "organization_filter")
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_DELETED_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_SYSTEM_DELETED_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_FILTER_FIELD_NUMBER: _ClassVar[int]
    page_size: int
    page_token: str
    include_deleted: bool
    include_system_deleted: bool
    organization_filter: str
    def __init__(self, page_size: _Optional[int] = ..., page_token: _Optional[str] = ..., include_deleted: bool = ..., include_system_deleted: bool = ..., organization_filter: _Optional[str] = ...) -> None: ...

class ListProjectsResponse(_message.Message):
    __slots__ = ("projects", "next_page_token")
    PROJECTS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    projects: _containers.RepeatedCompositeFieldContainer[Project]
    next_page_token: str
    def __init__(self, projects: _Optional[_Iterable[_Union[Project, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class GetProjectRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateHostnameRequest(_message.Message):
    __slots__ = ("parent", "hostname")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    parent: str
    hostname: Hostname
    def __init__(self, parent: _Optional[str] = ..., hostname: _Optional[_Union[Hostname, _Mapping]] = ...) -> None: ...

class DeleteHostnameRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateHostnameRequest(_message.Message):
    __slots__ = ("name", "hostname", "update_mask")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HOSTNAME_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    name: str
    hostname: Hostname
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, name: _Optional[str] = ..., hostname: _Optional[_Union[Hostname, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class ListHostnamesRequest(_message.Message):
    __slots__ = ("parent",)
    PARENT_FIELD_NUMBER: _ClassVar[int]
    parent: str
    def __init__(self, parent: _Optional[str] = ...) -> None: ...

class ListHostnamesResponse(_message.Message):
    __slots__ = ("hostnames", "next_page_token")
    HOSTNAMES_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    hostnames: _containers.RepeatedCompositeFieldContainer[Hostname]
    next_page_token: str
    def __init__(self, hostnames: _Optional[_Iterable[_Union[Hostname, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class ListRegionsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRegionsResponse(_message.Message):
    __slots__ = ("regions", "next_page_token")
    REGIONS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    regions: _containers.RepeatedCompositeFieldContainer[Region]
    next_page_token: str
    def __init__(self, regions: _Optional[_Iterable[_Union[Region, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class Region(_message.Message):
    __slots__ = ("name", "endpoint", "certificate_authority", "insecure_skip_tls_verify", "web_endpoint", "ingress_cname_address", "apps_domain_name", "container_registry", "api_host", "provider", "data_center", "primary", "global_routes_domain_name")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    CERTIFICATE_AUTHORITY_FIELD_NUMBER: _ClassVar[int]
    INSECURE_SKIP_TLS_VERIFY_FIELD_NUMBER: _ClassVar[int]
    WEB_ENDPOINT_FIELD_NUMBER: _ClassVar[int]
    INGRESS_CNAME_ADDRESS_FIELD_NUMBER: _ClassVar[int]
    APPS_DOMAIN_NAME_FIELD_NUMBER: _ClassVar[int]
    CONTAINER_REGISTRY_FIELD_NUMBER: _ClassVar[int]
    API_HOST_FIELD_NUMBER: _ClassVar[int]
    PROVIDER_FIELD_NUMBER: _ClassVar[int]
    DATA_CENTER_FIELD_NUMBER: _ClassVar[int]
    PRIMARY_FIELD_NUMBER: _ClassVar[int]
    GLOBAL_ROUTES_DOMAIN_NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    endpoint: str
    certificate_authority: str
    insecure_skip_tls_verify: bool
    web_endpoint: str
    ingress_cname_address: str
    apps_domain_name: str
    container_registry: str
    api_host: str
    provider: str
    data_center: str
    primary: bool
    global_routes_domain_name: str
    def __init__(self, name: _Optional[str] = ..., endpoint: _Optional[str] = ..., certificate_authority: _Optional[str] = ..., insecure_skip_tls_verify: bool = ..., web_endpoint: _Optional[str] = ..., ingress_cname_address: _Optional[str] = ..., apps_domain_name: _Optional[str] = ..., container_registry: _Optional[str] = ..., api_host: _Optional[str] = ..., provider: _Optional[str] = ..., data_center: _Optional[str] = ..., primary: bool = ..., global_routes_domain_name: _Optional[str] = ...) -> None: ...

class CreateProjectRequest(_message.Message):
    __slots__ = ("friendly_name", "description", "region_id", "organization_name")
    FRIENDLY_NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    REGION_ID_FIELD_NUMBER: _ClassVar[int]
    ORGANIZATION_NAME_FIELD_NUMBER: _ClassVar[int]
    friendly_name: str
    description: str
    region_id: str
    organization_name: str
    def __init__(self, friendly_name: _Optional[str] = ..., description: _Optional[str] = ..., region_id: _Optional[str] = ..., organization_name: _Optional[str] = ...) -> None: ...

class DeleteProjectRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class UpdateProjectRequest(_message.Message):
    __slots__ = ("project", "update_mask")
    PROJECT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MASK_FIELD_NUMBER: _ClassVar[int]
    project: Project
    update_mask: _field_mask_pb2.FieldMask
    def __init__(self, project: _Optional[_Union[Project, _Mapping]] = ..., update_mask: _Optional[_Union[_field_mask_pb2.FieldMask, _Mapping]] = ...) -> None: ...

class RoleBinding(_message.Message):
    __slots__ = ("name", "principal", "user_email", "user_full_name", "principal_friendly_name", "mfa_enabled")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FIELD_NUMBER: _ClassVar[int]
    USER_EMAIL_FIELD_NUMBER: _ClassVar[int]
    USER_FULL_NAME_FIELD_NUMBER: _ClassVar[int]
    PRINCIPAL_FRIENDLY_NAME_FIELD_NUMBER: _ClassVar[int]
    MFA_ENABLED_FIELD_NUMBER: _ClassVar[int]
    name: str
    principal: str
    user_email: str
    user_full_name: str
    principal_friendly_name: str
    mfa_enabled: bool
    def __init__(self, name: _Optional[str] = ..., principal: _Optional[str] = ..., user_email: _Optional[str] = ..., user_full_name: _Optional[str] = ..., principal_friendly_name: _Optional[str] = ..., mfa_enabled: bool = ...) -> None: ...

class ListRoleBindingsRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListRoleBindingsResponse(_message.Message):
    __slots__ = ("role_bindings", "next_page_token")
    ROLE_BINDINGS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    role_bindings: _containers.RepeatedCompositeFieldContainer[RoleBinding]
    next_page_token: str
    def __init__(self, role_bindings: _Optional[_Iterable[_Union[RoleBinding, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class CreateRoleBindingRequest(_message.Message):
    __slots__ = ("parent", "role_binding")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    ROLE_BINDING_FIELD_NUMBER: _ClassVar[int]
    parent: str
    role_binding: RoleBinding
    def __init__(self, parent: _Optional[str] = ..., role_binding: _Optional[_Union[RoleBinding, _Mapping]] = ...) -> None: ...

class DeleteRoleBindingRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class CreateTokenRequest(_message.Message):
    __slots__ = ("parent", "description", "scopes")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    parent: str
    description: str
    scopes: _containers.RepeatedScalarFieldContainer[_auth_pb2.TokenScope]
    def __init__(self, parent: _Optional[str] = ..., description: _Optional[str] = ..., scopes: _Optional[_Iterable[_Union[_auth_pb2.TokenScope, str]]] = ...) -> None: ...

class ListTokensRequest(_message.Message):
    __slots__ = ("parent", "page_size", "page_token")
    PARENT_FIELD_NUMBER: _ClassVar[int]
    PAGE_SIZE_FIELD_NUMBER: _ClassVar[int]
    PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    parent: str
    page_size: int
    page_token: str
    def __init__(self, parent: _Optional[str] = ..., page_size: _Optional[int] = ..., page_token: _Optional[str] = ...) -> None: ...

class ListTokensResponse(_message.Message):
    __slots__ = ("tokens", "next_page_token")
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    NEXT_PAGE_TOKEN_FIELD_NUMBER: _ClassVar[int]
    tokens: _containers.RepeatedCompositeFieldContainer[ServiceToken]
    next_page_token: str
    def __init__(self, tokens: _Optional[_Iterable[_Union[ServiceToken, _Mapping]]] = ..., next_page_token: _Optional[str] = ...) -> None: ...

class DeleteTokenRequest(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ServiceToken(_message.Message):
    __slots__ = ("name", "description", "created_time", "expire_time", "scopes")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    name: str
    description: str
    created_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    scopes: _containers.RepeatedScalarFieldContainer[_auth_pb2.TokenScope]
    def __init__(self, name: _Optional[str] = ..., description: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., scopes: _Optional[_Iterable[_Union[_auth_pb2.TokenScope, str]]] = ...) -> None: ...

class ServiceTokenValue(_message.Message):
    __slots__ = ("token", "value")
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    VALUE_FIELD_NUMBER: _ClassVar[int]
    token: ServiceToken
    value: str
    def __init__(self, token: _Optional[_Union[ServiceToken, _Mapping]] = ..., value: _Optional[str] = ...) -> None: ...
