"""Record stores: JDBC (PostgreSQL and friends), MongoDB and Redis. Their payloads are JSON records."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Binding, Integration, Port
from ..naming import ref_slug
from .base import (
    Boundary,
    Param,
    ServiceUse,
    Step,
    connection_params,
    guarded,
    ingress_context,
    nifi_literal,
    parameter_literal,
    port_comment,
    record_path,
    record_path_literal,
    ref,
    shared,
    tls_service,
)

JSON_READER = ServiceUse(
    key="json-reader",
    name="JSON records in",
    component=nc.JSON_TREE_READER,
    properties={},
    comments="protoc-gen-nifi: reads the JSON records the mapping produces (schema inferred).",
)
JSON_WRITER = ServiceUse(
    key="json-writer",
    name="JSON records out",
    component=nc.JSON_RECORD_SET_WRITER,
    properties={"Allow Scientific Notation": "false"},
    comments="protoc-gen-nifi: writes query results as JSON records for the mapping.",
)

# ---- JDBC -------------------------------------------------------------------------------------

# JdbcTransport.Dialect -> NiFi's "Database Type" allowable value.
DATABASE_TYPES = {
    "": "Generic",
    "GENERIC": "Generic",
    "POSTGRESQL": "PostgreSQL",
    "MYSQL": "MySQL",
    "ORACLE": "Oracle",
    "MS_SQL": "MS SQL 2012+",
}
UPSERT_DIALECTS = ("POSTGRESQL", "MYSQL")


def jdbc_connection(binding: Binding) -> tuple[ServiceUse, tuple[Param, ...]]:
    """The connection pool of a binding's database (one per database_ref) and its parameters. TLS is a JDBC URL
    setting (e.g. ?sslmode=verify-full), which is a parameter: DBCPConnectionPool has no SSL Context Service."""
    database = binding.ref("database_ref")
    slug = ref_slug(database)
    url, driver, locations, user, password = (
        Param(f"jdbc.{slug}.url", f"JDBC URL of database '{database}' (TLS settings included), e.g. "
              "jdbc:postgresql://host:5432/name?sslmode=verify-full"),
        Param(f"jdbc.{slug}.driver.class", f"JDBC driver class of database '{database}', e.g. org.postgresql.Driver"),
        Param(f"jdbc.{slug}.driver.locations", f"Path(s) on the NiFi nodes of the JDBC driver jar for '{database}'"),
        Param(f"jdbc.{slug}.user", f"Database user for '{database}'"),
        Param(f"jdbc.{slug}.password", f"Database password for '{database}'", sensitive=True),
    )
    pool = ServiceUse(
        key=f"jdbc-{slug}",
        name=f"database {database}",
        component=nc.DBCP_CONNECTION_POOL,
        properties={
            "Database Connection URL": ref(url),
            "Database Driver Class Name": ref(driver),
            "Database Driver Locations": ref(locations),
            "Database User": ref(user),
            "Password": ref(password),
        },
        comments=f"protoc-gen-nifi: connection pool of database '{database}'; every value is a parameter.",
    )
    return shared(pool, binding), connection_params(binding, (url, driver, locations, user, password))


def jdbc_table(binding: Binding) -> tuple[str, Param]:
    table = binding.ref("table_ref")
    return table, Param(f"jdbc.{ref_slug(table)}.table", f"Table bound to '{table}' (schema-qualified if needed)")


def jdbc_in(integration: Integration, port: Port) -> Boundary:
    pool, connection = jdbc_connection(port.binding)
    table, table_param = jdbc_table(port.binding)
    columns = Param(f"jdbc.{ref_slug(table)}.max.value.columns",
                    f"Column(s) of '{table}' that only grow (e.g. updated_at, id): NiFi fetches rows beyond the "
                    "largest value seen")
    query = Step(
        key="query",
        name=f"new rows of {table}",
        component=nc.QUERY_DATABASE_TABLE_RECORD,
        comments=port_comment(port, "Incremental extraction (state kept by NiFi) on the primary node; "
                              "rows arrive as JSON records."),
        properties={
            "Database Type": DATABASE_TYPES[port.binding.setting("dialect")],
            "Table Name": ref(table_param),
            "Maximum-value Columns": ref(columns),
        },
        services={"Database Connection Pooling Service": pool.key, "Record Writer": JSON_WRITER.key},
        forward=("success",),
        primary_only=True,
        tuned=True,
        batch_key="Max Rows Per FlowFile",
    )
    return Boundary(steps=(query, ingress_context(integration, port)), services=(pool, JSON_WRITER),
                    params=(*connection, table_param, columns))


def jdbc_out(integration: Integration, port: Port) -> Boundary:
    pool, connection = jdbc_connection(port.binding)
    table, table_param = jdbc_table(port.binding)
    properties = {
        "Database Type": DATABASE_TYPES[port.binding.setting("dialect")],
        "Statement Type": "UPSERT",
        "Table Name": ref(table_param),
    }
    keys = port.message.idempotency_key_fields
    if keys:
        properties["Update Keys"] = nifi_literal(",".join(keys))
    upsert = Step(
        key="upsert",
        name=f"upsert {table}",
        component=nc.PUT_DATABASE_RECORD,
        comments=port_comment(port, "Upserts the JSON records on "
                              + (f"the idempotency keys {', '.join(keys)}." if keys else "the table's primary key.")),
        properties=properties,
        services={"Database Connection Pooling Service": pool.key, "Record Reader": JSON_READER.key},
        done=("success",),
        failures=("failure", "retry"),
        retried=("failure", "retry"),
        tuned=True,
        batch_key="Maximum Batch Size",
    )
    return Boundary(steps=(upsert,), services=(pool, JSON_READER), params=(*connection, table_param))


def jdbc_lookup_service(lookup: Port, binding: Binding) -> tuple[ServiceUse, tuple[ServiceUse, ...], tuple[Param, ...]]:
    """The row of a key, as a record: DatabaseRecordLookupService runs `SELECT <the message's fields> FROM <table>
    WHERE <key column> = ?` as a prepared statement with the key bound as its parameter
    (DatabaseRecordLookupService.lookup): no SQL text is built, nothing is pasted into a query."""
    pool, connection = jdbc_connection(binding)
    table, table_param = jdbc_table(binding)
    service = ServiceUse(
        key=f"lookup-{ref_slug(binding.ref('database_ref'))}-{ref_slug(table)}",
        name=f"rows of {table}",
        component=nc.DATABASE_RECORD_LOOKUP_SERVICE,
        properties={
            "Table Name": ref(table_param),
            "Lookup Key Column": nifi_literal(lookup.lookup.key_field),
            "Lookup Value Columns": nifi_literal(",".join(lookup.message.fields)),
        },
        services={"Database Connection Pooling Service": pool.key},
        comments=f"protoc-gen-nifi: the {lookup.message.full_name} row of '{table}' whose "
                 f"{lookup.lookup.key_field} is the key (a prepared statement).",
    )
    return service, (pool,), (*connection, table_param)


# ---- MongoDB ----------------------------------------------------------------------------------


def _mongo(port: Port) -> tuple[tuple[ServiceUse, ...], dict[str, str], tuple[Param, ...]]:
    """The client service (and TLS), the common processor properties and the parameters of a MongoDB port."""
    database, collection = port.binding.ref("database_ref"), port.binding.ref("collection_ref")
    db, coll = ref_slug(database), ref_slug(collection)
    uri = Param(f"mongodb.{db}.uri", f"MongoDB connection URI of '{database}' without credentials, "
                "e.g. mongodb://host:27017")
    user = Param(f"mongodb.{db}.user", f"MongoDB user for '{database}' (empty: no authentication)", required=False)
    password = Param(f"mongodb.{db}.password", f"MongoDB password for '{database}'", sensitive=True, required=False)
    name = Param(f"mongodb.{db}.database", f"MongoDB database bound to '{database}'")
    coll_param = Param(f"mongodb.{coll}.collection", f"MongoDB collection bound to '{collection}'")
    tls, tls_params = tls_service(f"mongodb.{db}", f"MongoDB '{database}'", port.binding.tls)
    client = shared(ServiceUse(
        key=f"mongodb-{db}",
        name=f"mongodb {database}",
        component=nc.MONGODB_CLIENT_SERVICE,
        properties={"Mongo URI": ref(uri), "Database User": ref(user), "Password": ref(password)},
        services={"SSL Context Service": tls.key} if tls else {},
        comments=f"protoc-gen-nifi: MongoDB client of '{database}'; every value is a parameter.",
    ), port.binding)
    common = {"Mongo Database Name": ref(name), "Mongo Collection Name": ref(coll_param)}
    services = (client, *([tls] if tls and not port.binding.shared else []))
    params = (*connection_params(port.binding, (uri, user, password, *tls_params)), name, coll_param)
    return services, common, params


def mongodb_in(integration: Integration, port: Port) -> Boundary:
    services, common, params = _mongo(port)
    collection = port.binding.ref("collection_ref")
    query = Param(f"mongodb.{ref_slug(collection)}.query", f"JSON query on '{collection}' (empty: every document)",
                  required=False)
    find = Step(
        key="find",
        name=f"find in {collection}",
        component=nc.GET_MONGO,
        comments=port_comment(port, "Runs the query each time it is scheduled, on the primary node."),
        properties={**common, "Query": ref(query)},
        services={"Client Service": services[0].key},
        forward=("success",),
        done=("original",),  # there is no incoming FlowFile to pass on
        failures=("failure",),
        primary_only=True,
        tuned=True,
        batch_key="Batch Size",
    )
    return Boundary(steps=(find, ingress_context(integration, port)), services=services, params=(*params, query))


def mongodb_out(integration: Integration, port: Port) -> Boundary:
    services, common, params = _mongo(port)
    collection = port.binding.ref("collection_ref")
    keys = port.message.idempotency_key_fields
    properties = dict(common)
    if keys:  # replaying a fact must not duplicate it: upsert on its idempotency key
        properties["Update Key Fields"] = nifi_literal(",".join(keys))
    put = Step(
        key="put",
        name=f"{'upsert' if keys else 'insert'} into {collection}",
        component=nc.PUT_MONGO_RECORD,
        comments=port_comment(port, "Every JSON record is a document"
                              + (f", upserted on {', '.join(keys)}." if keys else ".")),
        properties=properties,
        services={"Client Service": services[0].key, "Record Reader": JSON_READER.key},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(put,), services=(*services, JSON_READER), params=params)


# ---- Redis ------------------------------------------------------------------------------------

REDIS_PARAMS = (
    Param("redis.connection.string", "Redis host:port (Sentinel or Cluster: comma-separated)"),
    Param("redis.password", "Redis password (empty: no AUTH)", sensitive=True, required=False),
)
REDIS_KEY = "redis.key"


def redis_pool(binding: Binding) -> tuple[tuple[ServiceUse, ...], tuple[Param, ...]]:
    """The integration's Redis pool (every Redis port declares the same tls and shared service), its TLS."""
    connection, password = REDIS_PARAMS
    tls, tls_params = tls_service("redis", "Redis", binding.tls)
    pool = shared(ServiceUse(
        key="redis",
        name="Redis connection",
        component=nc.REDIS_CONNECTION_POOL,
        properties={"Connection String": ref(connection), "Password": ref(password)},
        services={"SSL Context Service": tls.key} if tls else {},
        comments="protoc-gen-nifi: the integration's Redis; every value is a parameter.",
    ), binding)
    services = (pool, *([tls] if tls and not binding.shared else []))
    return services, connection_params(binding, (*REDIS_PARAMS, *tls_params))


def keyspace(binding: Binding) -> str:
    """Every key of a Redis binding lives in its keyspace: "<binding_ref>:<key>"."""
    return binding.ref("binding_ref") + ":"


def redis_cache(binding: Binding) -> tuple[ServiceUse, tuple[ServiceUse, ...], tuple[Param, ...]]:
    """A keyspace as a NiFi map cache (one client per keyspace), with the pool it uses."""
    name = binding.ref("binding_ref")
    ttl = Param(f"redis.{ref_slug(name)}.ttl", f"Time to live of entries in '{name}', e.g. 1 hour "
                "(empty: no expiry)", required=False)
    pool, params = redis_pool(binding)
    client = ServiceUse(
        key=f"redis-cache-{ref_slug(name)}",
        name=f"cache {name}",
        component=nc.REDIS_MAP_CACHE_CLIENT,
        properties={"TTL": ref(ttl)},
        services={"Redis Connection Pool": pool[0].key},
        comments=f"protoc-gen-nifi: keyspace '{name}' as a NiFi map cache.",
    )
    return client, pool, (*params, ttl)


def redis_out(integration: Integration, port: Port) -> Boundary:
    name = port.binding.ref("binding_ref")
    prefix = keyspace(port.binding)
    if port.binding.setting("mode") == "HASH":
        # The hash's key: the keyspace and the record's routing_key field (a RecordPath function).
        # PutRedisHashRecord reads this property without Expression Language: only `#{` needs escaping.
        path = parameter_literal(f"concat({record_path_literal(prefix)}, {record_path(port.routing_key)})")
        services, params = redis_pool(port.binding)
        put = Step(
            key="hash",
            name=f"hash into {name}",
            component=nc.PUT_REDIS_HASH_RECORD,
            comments=port_comment(port, f"Each JSON record becomes the hash {prefix}<{port.routing_key}>."),
            properties={"Hash Value Record Path": path},
            services={"Record Reader": JSON_READER.key, "Redis Connection Pool": services[0].key},
            done=("success",),
            failures=("failure",),
            retried=("failure",),
            tuned=True,
        )
        return Boundary(steps=(put,), services=(*services, JSON_READER), params=params)
    client, pool, params = redis_cache(port.binding)
    put = Step(
        key="cache",
        name=f"cache in {name}",
        component=nc.PUT_DISTRIBUTED_MAP_CACHE,
        comments=port_comment(port, f"Stores the content under {prefix}<{port.routing_key}>."),
        properties={"Cache Entry Identifier": nifi_literal(prefix) + "${'" + REDIS_KEY + "'}"},
        services={"Distributed Cache Service": client.key},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(*guarded(port, {REDIS_KEY: port.routing_key}), put), services=(*pool, client),
                    params=params)


def redis_lookup_service(lookup: Port, binding: Binding) -> tuple[ServiceUse, tuple[ServiceUse, ...],
                                                                   tuple[Param, ...]]:
    """The cached value of a key, as text (DistributedMapCacheLookupService through the keyspace's cache)."""
    client, pool, params = redis_cache(binding)
    name = binding.ref("binding_ref")
    service = ServiceUse(
        key=f"lookup-cache-{ref_slug(name)}",
        name=f"entries of {name}",
        component=nc.DISTRIBUTED_MAP_CACHE_LOOKUP_SERVICE,
        properties={},
        services={"Distributed Cache Service": client.key},
        comments=f"protoc-gen-nifi: the entry of keyspace '{name}' under a key.",
    )
    return service, (*pool, client), params
