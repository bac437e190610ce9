"""Request/response and object transports: HTTP (IN: a listening endpoint, OUT: InvokeHTTP) and S3."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Integration, Port
from ..naming import ref_slug
from .base import (
    CREDENTIAL_HEADERS,
    Boundary,
    Param,
    ServiceUse,
    Step,
    cloudevents_context,
    connection_params,
    guarded,
    ingress_context,
    nifi_literal,
    port_comment,
    ref,
    shared,
    tls_service,
    validate_step,
)

# ---- HTTP -------------------------------------------------------------------------------------
CE_HEADERS = {
    "ce-id": ("${ce_id}", False),
    "ce-source": ("${ce_source}", False),
    "ce-specversion": ("${ce_specversion}", False),
    "ce-time": ("${ce_time}", False),
    "ce-type": ("${ce_type}", False),
    "traceparent": ("${traceparent}", False),
}
HTTP_METHODS = ("GET", "POST", "PUT", "DELETE")


def http_out(integration: Integration, port: Port) -> Boundary:
    endpoint_ref = port.binding.ref("endpoint_ref")
    method = port.binding.setting("method")
    endpoint = ref_slug(endpoint_ref)
    url = Param(f"http.{endpoint}.url", f"URL of HTTP endpoint '{endpoint_ref}'")
    params = [url]
    headers = dict(CE_HEADERS)
    for header in port.required_headers:
        if header.lower() in CREDENTIAL_HEADERS:
            secret = Param(
                f"http.{endpoint}.header.{header.lower()}",
                f"Value of the {header} header sent to '{endpoint_ref}' (a credential)",
                sensitive=True,
            )
            params.append(secret)
            headers[header] = (ref(secret), True)
        else:
            # The mapping sets an attribute of the same name; quoted because header names may hold '-'.
            headers[header] = ("${'" + header + "'}", False)
    properties = {"HTTP Method": method, "HTTP URL": ref(url)}
    if port.content_type:
        properties["Request Content-Type"] = nifi_literal(port.content_type)
    tls, tls_params = tls_service(f"http.{endpoint}", f"HTTP endpoint '{endpoint_ref}'", port.binding.tls)
    invoke = Step(
        key="invoke",
        name=f"{method} {endpoint_ref}",
        component=nc.INVOKE_HTTP,
        comments=port_comment(
            port, "Dynamic properties are request headers (CloudEvents binary mode, traceparent, required headers)."
        ),
        properties=properties,
        services={"SSL Context Service": tls.key} if tls else {},
        dynamic=headers,
        done=("Original", "Response"),
        failures=("Failure", "No Retry", "Retry"),
        retried=("Failure", "Retry"),
        tuned=True,
    )
    return Boundary(steps=(cloudevents_context(integration, port), *guarded(port), invoke),
                    services=(tls,) if tls else (), params=(*params, *tls_params))


def _reply(key: str, status: str, comments: str, on: tuple[str, ...] = ()) -> Step:
    """An answer to the caller with an empty body: HandleHttpResponse sends the FlowFile content as the body
    (HandleHttpResponse.onTrigger), so the clone that answers is emptied first, lest the request be echoed."""
    answer = Step(
        key=f"{key} answer",
        name=f"reply {status}",
        component=nc.HANDLE_HTTP_RESPONSE,
        comments=f"protoc-gen-nifi: {comments}",
        properties={"HTTP Status Code": status},
        services={"HTTP Context Map": "http-context"},
        done=("success",),
        failures=("failure",),
    )
    return Step(
        key=key,
        name=f"empty {status} body",
        component=nc.MODIFY_BYTES,
        comments="protoc-gen-nifi: the reply carries no request data.",
        properties={"Remove All Content": "true"},
        forward=("success",),
        on=on,
        then=(answer,),
    )


def _header_present(header: str) -> str:
    """EL: the request carried `header` (any letter case: HTTP/2 clients send names in lower case)."""
    regex = "".join(f"[{c}]" if c in ".*+|$^" else c for c in header)
    return "${anyMatchingAttribute('(?i)http[.]headers[.]" + regex + "'):isEmpty():not()}"


def http_in(integration: Integration, port: Port) -> Boundary:
    endpoint_ref = port.binding.ref("endpoint_ref")
    method = port.binding.setting("method")
    endpoint = ref_slug(endpoint_ref)
    listen = Param(f"http.{endpoint}.listen.port", f"Port NiFi listens on for endpoint '{endpoint_ref}'")
    path = Param(f"http.{endpoint}.path", f"Request path (a regular expression) of endpoint '{endpoint_ref}', e.g. /orders")
    # The caller gets 202 Accepted once NiFi holds the FlowFile; processing continues asynchronously.
    accepted = _reply("reply", "202", "acknowledges the request; a clone of the FlowFile carries on.")
    tls, tls_params = tls_service(f"http.{endpoint}", f"the listener of endpoint '{endpoint_ref}'", port.binding.tls,
                                  server=True)
    properties = {
        "Listening Port": ref(listen),
        "Allowed Paths": ref(path),
        **{f"Allow {m}": "true" if m == method else "false" for m in HTTP_METHODS},
    }
    services = {"HTTP Context Map": "http-context"}
    if tls is not None:
        services["SSL Context Service"] = tls.key
        if port.binding.tls.client_certificate:
            properties["Client Authentication"] = "Need Authentication"
    receive = Step(
        key="receive",
        name=f"{method} {endpoint_ref}",
        component=nc.HANDLE_HTTP_REQUEST,
        comments=port_comment(port, f"Accepts {method} only; request headers become http.headers.* attributes."),
        properties=properties,
        services=services,
        forward=("success",),
        tuned=True,
        branches=() if port.required_headers or port.validate_schema else (accepted,),
    )
    steps = [receive]
    if port.required_headers:
        # A request without a required header is answered 400 and goes no further.
        condition = _header_present(port.required_headers[0])[:-1] + "".join(
            f":and({_header_present(header)})" for header in port.required_headers[1:]) + "}"
        steps.append(Step(
            key="headers",
            name="required headers",
            component=nc.ROUTE_ON_ATTRIBUTE,
            comments=f"protoc-gen-nifi: the request must carry {', '.join(port.required_headers)}.",
            properties={"Routing Strategy": "Route to Property name"},
            dynamic={"valid": (condition, False)},
            forward=("valid",),
            branches=(*(() if port.validate_schema else (accepted,)),
                      _reply("reject", "400", "a required header is missing.", on=("unmatched",))),
        ))
    if port.validate_schema:
        # The caller learns at once that its payload is refused (400), and the payload itself is parked.
        steps.append(validate_step(port, branches=(
            accepted,
            _reply("invalid", "400", "the payload does not conform to the port's JSON Schema.",
                   on=("failure", "invalid")),
        )))
    context_map = ServiceUse(
        key="http-context",
        name="HTTP requests in flight",
        component=nc.STANDARD_HTTP_CONTEXT_MAP,
        properties={},
        comments="protoc-gen-nifi: holds each HTTP request until its reply is sent.",
    )
    context = ingress_context(integration, port, lambda header: "http.headers." + header.replace("_", "-"))
    return Boundary(steps=(*steps, context), services=(context_map, *([tls] if tls else [])),
                    params=(listen, path, *tls_params))


# ---- S3 ---------------------------------------------------------------------------------------

S3_PARAMS = (
    Param("aws.access.key.id", "AWS access key id of the integration's S3 credentials", sensitive=True),
    Param("aws.secret.access.key", "AWS secret access key of the integration's S3 credentials", sensitive=True),
    Param("s3.endpoint.override.url", "S3-compatible endpoint (e.g. MinIO); empty for AWS", required=False),
)


def _aws(port: Port) -> tuple[dict[str, str], tuple[ServiceUse, ...], tuple[Param, ...]]:
    """The S3 processors' service references, the services (credentials, TLS) and their parameters."""
    key_id, secret, endpoint = S3_PARAMS
    credentials = shared(ServiceUse(
        key="aws",
        name="AWS credentials",
        component=nc.AWS_CREDENTIALS_SERVICE,
        properties={"Access Key ID": ref(key_id), "Secret Access Key": ref(secret)},
        comments="protoc-gen-nifi: S3 credentials of the integration; both values are sensitive parameters.",
    ), port.binding)
    tls, tls_params = tls_service("s3", "the S3 endpoint", port.binding.tls)
    services = {"AWS Credentials Provider Service": "aws", **({"SSL Context Service": tls.key} if tls else {})}
    params = (*connection_params(port.binding, (key_id, secret)), endpoint, *tls_params)
    return services, (credentials, *([tls] if tls else [])), params


def _s3_params(port: Port) -> tuple[Param, Param, Param]:
    bucket_ref = port.binding.ref("bucket_ref")
    slug = ref_slug(bucket_ref)
    return (
        Param(f"s3.{slug}.bucket", f"S3 bucket bound to '{bucket_ref}'"),
        Param(f"s3.{slug}.region", f"AWS region of bucket '{bucket_ref}', e.g. eu-west-1"),
        Param(f"s3.{slug}.prefix", f"Object key prefix inside bucket '{bucket_ref}', e.g. exports/ (may be empty)",
              required=False),
    )


def _s3_common(port: Port) -> dict[str, str]:
    bucket, region, _ = _s3_params(port)
    return {"Bucket": ref(bucket), "Region": ref(region), "Endpoint Override URL": ref(S3_PARAMS[2])}


def s3_in(integration: Integration, port: Port) -> Boundary:
    bucket_ref = port.binding.ref("bucket_ref")
    prefix = _s3_params(port)[2]
    services, uses, params = _aws(port)
    listing = Step(
        key="list",
        name=f"list {bucket_ref}",
        component=nc.LIST_S3,
        comments=port_comment(port, "Lists new objects (state is kept by NiFi) on the primary node."),
        properties={**_s3_common(port), "Prefix": ref(prefix)},
        services=services,
        forward=("success",),
        primary_only=True,
        tuned=True,
        batch_key="Listing Batch Size",
    )
    fetch = Step(
        key="fetch",
        name=f"fetch {bucket_ref}",
        component=nc.FETCH_S3_OBJECT,
        comments="protoc-gen-nifi: reads each listed object (Object Key keeps its default, ${filename}).",
        properties=_s3_common(port),
        services=services,
        forward=("success",),
        failures=("failure",),
        retried=("failure",),
    )
    return Boundary(steps=(listing, fetch, ingress_context(integration, port)), services=uses,
                    params=(*params, *_s3_params(port)))


def s3_out(integration: Integration, port: Port) -> Boundary:
    bucket_ref = port.binding.ref("bucket_ref")
    prefix = _s3_params(port)[2]
    services, uses, params = _aws(port)
    put = Step(
        key="put",
        name=f"put {bucket_ref}",
        component=nc.PUT_S3_OBJECT,
        comments=port_comment(port, "One object per FlowFile, keyed by the prefix and the filename attribute; "
                              "CloudEvents attributes and traceparent become object metadata."),
        properties={**_s3_common(port), "Object Key": ref(prefix) + "${filename}", "Content Type": "${mime.type}"},
        services=services,
        # Dynamic properties are user metadata (x-amz-meta-*).
        dynamic={
            **{name.replace("-", "_"): value for name, value in CE_HEADERS.items()},
            **{header: ("${'" + header + "'}", False) for header in port.required_headers},
        },
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(cloudevents_context(integration, port), *guarded(port), put), services=uses,
                    params=(*params, *_s3_params(port)))
