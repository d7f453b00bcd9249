from google.protobuf import timestamp_pb2 as _timestamp_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from typing import ClassVar as _ClassVar, Iterable as _Iterable, Mapping as _Mapping, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class TokenScope(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    ALL: _ClassVar[TokenScope]
    PROJECTS: _ClassVar[TokenScope]
    USER: _ClassVar[TokenScope]
    EXECUTION: _ClassVar[TokenScope]
    ORGANIZATIONS: _ClassVar[TokenScope]
    CONTAINER_REGISTRY: _ClassVar[TokenScope]

class TokenType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    REFRESH: _ClassVar[TokenType]
    ACCESS: _ClassVar[TokenType]
    SESSION: _ClassVar[TokenType]
    SERVICE: _ClassVar[TokenType]
ALL: TokenScope
PROJECTS: TokenScope
USER: TokenScope
EXECUTION: TokenScope
ORGANIZATIONS: TokenScope
CONTAINER_REGISTRY: TokenScope
REFRESH: TokenType
ACCESS: TokenType
SESSION: TokenType
SERVICE: TokenType

class CreateOAuthTokenRequest(_message.Message):
    __slots__ = ("grant_type", "audience", "requested_token_type", "subject_token", "subject_token_type")
    GRANT_TYPE_FIELD_NUMBER: _ClassVar[int]
    AUDIENCE_FIELD_NUMBER: _ClassVar[int]
    REQUESTED_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TOKEN_FIELD_NUMBER: _ClassVar[int]
    SUBJECT_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    grant_type: str
    audience: str
    requested_token_type: str
    subject_token: str
    subject_token_type: str
    def __init__(self, grant_type: _Optional[str] = ..., audience: _Optional[str] = ..., requested_token_type: _Optional[str] = ..., subject_token: _Optional[str] = ..., subject_token_type: _Optional[str] = ...) -> None: ...

class CreateOAuthTokenResponse(_message.Message):
    __slots__ = ("access_token", "token_type", "expires_in", "issued_token_type")
    ACCESS_TOKEN_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    EXPIRES_IN_FIELD_NUMBER: _ClassVar[int]
    ISSUED_TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    access_token: str
    token_type: str
    expires_in: int
    issued_token_type: str
    def __init__(self, access_token: _Optional[str] = ..., token_type: _Optional[str] = ..., expires_in: _Optional[int] = ..., issued_token_type: _Optional[str] = ...) -> None: ...

class CreateAccessTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AccessToken(_message.Message):
    __slots__ = ("subject", "token", "created_time", "expire_time", "scopes")
    SUBJECT_FIELD_NUMBER: _ClassVar[int]
    TOKEN_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    subject: str
    token: str
    created_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    scopes: _containers.RepeatedScalarFieldContainer[TokenScope]
    def __init__(self, subject: _Optional[str] = ..., token: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., scopes: _Optional[_Iterable[_Union[TokenScope, str]]] = ...) -> None: ...

class GetCurrentTokenRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CurrentToken(_message.Message):
    __slots__ = ("name", "token_type", "token_name", "created_time", "expire_time", "scopes", "description")
    NAME_FIELD_NUMBER: _ClassVar[int]
    TOKEN_TYPE_FIELD_NUMBER: _ClassVar[int]
    TOKEN_NAME_FIELD_NUMBER: _ClassVar[int]
    CREATED_TIME_FIELD_NUMBER: _ClassVar[int]
    EXPIRE_TIME_FIELD_NUMBER: _ClassVar[int]
    SCOPES_FIELD_NUMBER: _ClassVar[int]
    DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    name: str
    token_type: TokenType
    token_name: str
    created_time: _timestamp_pb2.Timestamp
    expire_time: _timestamp_pb2.Timestamp
    scopes: _containers.RepeatedScalarFieldContainer[TokenScope]
    description: str
    def __init__(self, name: _Optional[str] = ..., token_type: _Optional[_Union[TokenType, str]] = ..., token_name: _Optional[str] = ..., created_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., expire_time: _Optional[_Union[_timestamp_pb2.Timestamp, _Mapping]] = ..., scopes: _Optional[_Iterable[_Union[TokenScope, str]]] = ..., description: _Optional[str] = ...) -> None: ...
