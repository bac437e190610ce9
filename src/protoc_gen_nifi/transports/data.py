"""Record stores: JDBC (PostgreSQL and friends), MongoDB and Redis. Their payloads are JSON records."""
from __future__ import annotations

from .. import nifi_catalog as nc
from ..model import Integration, Port
from ..naming import ref_slug
from .base import (
    Boundary,
    Param,
    ServiceUse,
    Step,
    ingress_context,
    nifi_literal,
    port_comment,
    ref,
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
    properties={},
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


def _database(port: Port) -> tuple[str, str, tuple[Param, ...]]:
    """(service key, database ref, connection parameters) of a JDBC port's database."""
    database = port.binding.ref("database_ref")
    slug = ref_slug(database)
    params = (
        Param(f"jdbc.{slug}.url", f"JDBC URL of database '{database}', e.g. jdbc:postgresql://host:5432/name"),
        Param(f"jdbc.{slug}.driver.class", f"JDBC driver class of database '{database}', e.g. org.postgresql.Driver"),
        Param(f"jdbc.{slug}.driver.locations", f"Path(s) on the NiFi nodes of the JDBC driver jar for '{database}'"),
        Param(f"jdbc.{slug}.user", f"Database user for '{database}'"),
        Param(f"jdbc.{slug}.password", f"Database password for '{database}'", sensitive=True),
    )
    return f"jdbc-{slug}", database, params


def _pool(port: Port) -> ServiceUse:
    key, database, (url, driver, locations, user, password) = _database(port)
    return ServiceUse(
        key=key,
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


def _table(port: Port) -> tuple[str, Param]:
    table = port.binding.ref("table_ref")
    return table, Param(f"jdbc.{ref_slug(table)}.table", f"Table bound to '{table}' (schema-qualified if needed)")


def jdbc_in(integration: Integration, port: Port) -> Boundary:
    key, _, connection = _database(port)
    table, table_param = _table(port)
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
        services={"Database Connection Pooling Service": key, "Record Writer": JSON_WRITER.key},
        forward=("success",),
        primary_only=True,
        tuned=True,
        batch_key="Max Rows Per FlowFile",
    )
    return Boundary(steps=(query, ingress_context(integration, port)), services=(_pool(port), JSON_WRITER),
                    params=(*connection, table_param, columns))


def jdbc_out(integration: Integration, port: Port) -> Boundary:
    key, _, connection = _database(port)
    table, table_param = _table(port)
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
        services={"Database Connection Pooling Service": key, "Record Reader": JSON_READER.key},
        done=("success",),
        failures=("failure", "retry"),
        retried=("failure", "retry"),
        tuned=True,
        batch_key="Maximum Batch Size",
    )
    return Boundary(steps=(upsert,), services=(_pool(port), JSON_READER), params=(*connection, table_param))


def jdbc_lookup(integration: Integration, port: Port) -> Boundary:
    key, _, connection = _database(port)
    table, _ = _table(port)
    sql = Param(f"jdbc.{ref_slug(table)}.lookup.sql",
                f"SELECT run for each FlowFile against '{table}'; may use ${{attribute}} expressions, e.g. "
                "WHERE id = '${lookup.key}'")
    lookup = Step(
        key="lookup",
        name=f"look up {table}",
        component=nc.EXECUTE_SQL_RECORD,
        comments=port_comment(port, "The result records (JSON) replace the content; attributes are kept, so the "
                              "mapping stores what it still needs in attributes first."),
        properties={"SQL Query": ref(sql)},
        services={"Database Connection Pooling Service": key, "Record Writer": JSON_WRITER.key},
        forward=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(lookup,), services=(_pool(port), JSON_WRITER), params=(*connection, sql))


# ---- MongoDB ----------------------------------------------------------------------------------


def _mongo(port: Port) -> tuple[ServiceUse, dict[str, str], tuple[Param, ...]]:
    """The client service, the common processor properties and the parameters of a MongoDB port."""
    database, collection = port.binding.ref("database_ref"), port.binding.ref("collection_ref")
    db, coll = ref_slug(database), ref_slug(collection)
    uri = Param(f"mongodb.{db}.uri", f"MongoDB connection URI of '{database}' without credentials, "
                "e.g. mongodb://host:27017")
    user = Param(f"mongodb.{db}.user", f"MongoDB user for '{database}' (empty: no authentication)", required=False)
    password = Param(f"mongodb.{db}.password", f"MongoDB password for '{database}'", sensitive=True, required=False)
    name = Param(f"mongodb.{db}.database", f"MongoDB database bound to '{database}'")
    coll_param = Param(f"mongodb.{coll}.collection", f"MongoDB collection bound to '{collection}'")
    service = ServiceUse(
        key=f"mongodb-{db}",
        name=f"mongodb {database}",
        component=nc.MONGODB_CLIENT_SERVICE,
        properties={"Mongo URI": ref(uri), "Database User": ref(user), "Password": ref(password)},
        comments=f"protoc-gen-nifi: MongoDB client of '{database}'; every value is a parameter.",
    )
    common = {"Mongo Database Name": ref(name), "Mongo Collection Name": ref(coll_param)}
    return service, common, (uri, user, password, name, coll_param)


def mongodb_in(integration: Integration, port: Port) -> Boundary:
    service, common, params = _mongo(port)
    collection = port.binding.ref("collection_ref")
    query = Param(f"mongodb.{ref_slug(collection)}.query", f"JSON query on '{collection}' (empty: every document)",
                  required=False)
    find = Step(
        key="find",
        name=f"find in {collection}",
        component=nc.GET_MONGO,
        comments=port_comment(port, "Runs the query each time it is scheduled, on the primary node."),
        properties={**common, "Query": ref(query)},
        services={"Client Service": service.key},
        forward=("success",),
        done=("original",),  # there is no incoming FlowFile to pass on
        failures=("failure",),
        primary_only=True,
        tuned=True,
        batch_key="Batch Size",
    )
    return Boundary(steps=(find, ingress_context(integration, port)), services=(service,), params=(*params, query))


def mongodb_out(integration: Integration, port: Port) -> Boundary:
    service, common, params = _mongo(port)
    collection = port.binding.ref("collection_ref")
    keys = port.message.idempotency_key_fields
    properties = dict(common)
    if keys:  # replaying a fact must not duplicate it: upsert on its idempotency key
        properties.update({"Mode": "update", "Upsert": "true", "Update Query Key": nifi_literal(",".join(keys))})
    else:
        properties["Mode"] = "insert"
    put = Step(
        key="put",
        name=f"{'upsert' if keys else 'insert'} into {collection}",
        component=nc.PUT_MONGO,
        comments=port_comment(port, "One JSON document per FlowFile"
                              + (f", upserted on {', '.join(keys)}." if keys else ".")),
        properties=properties,
        services={"Client Service": service.key},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(put,), services=(service,), params=params)


# ---- Redis ------------------------------------------------------------------------------------

REDIS_PARAMS = (
    Param("redis.connection.string", "Redis host:port (Sentinel or Cluster: comma-separated)"),
    Param("redis.password", "Redis password (empty: no AUTH)", sensitive=True, required=False),
)
REDIS_POOL = ServiceUse(
    key="redis",
    name="Redis connection",
    component=nc.REDIS_CONNECTION_POOL,
    properties={"Connection String": ref(REDIS_PARAMS[0]), "Password": ref(REDIS_PARAMS[1])},
    comments="protoc-gen-nifi: the integration's Redis; every value is a parameter.",
)
CACHE_KEY = "${cache.key}"


def _cache(port: Port) -> tuple[ServiceUse, Param]:
    binding = port.binding.ref("binding_ref")
    ttl = Param(f"redis.{ref_slug(binding)}.ttl", f"Time to live of entries in '{binding}', e.g. 1 hour "
                "(empty: no expiry)", required=False)
    client = ServiceUse(
        key=f"redis-cache-{ref_slug(binding)}",
        name=f"cache {binding}",
        component=nc.REDIS_MAP_CACHE_CLIENT,
        properties={"TTL": ref(ttl)},
        services={"Redis Connection Pool": REDIS_POOL.key},
        comments=f"protoc-gen-nifi: keyspace '{binding}' as a NiFi map cache.",
    )
    return client, ttl


def redis_out(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    if port.binding.setting("mode") == "HASH":
        path = nifi_literal("/" + port.routing_key.replace(".", "/"))
        put = Step(
            key="hash",
            name=f"hash into {binding}",
            component=nc.PUT_REDIS_HASH_RECORD,
            comments=port_comment(port, f"Each JSON record becomes a hash keyed by {port.routing_key}."),
            properties={"Hash Value Record Path": path},
            services={"Record Reader": JSON_READER.key, "Redis Connection Pool": REDIS_POOL.key},
            done=("success",),
            failures=("failure",),
            retried=("failure",),
            tuned=True,
        )
        return Boundary(steps=(put,), services=(REDIS_POOL, JSON_READER), params=REDIS_PARAMS)
    client, ttl = _cache(port)
    put = Step(
        key="cache",
        name=f"cache in {binding}",
        component=nc.PUT_DISTRIBUTED_MAP_CACHE,
        comments=port_comment(port, "Stores the content under the attribute cache.key, which the mapping sets."),
        properties={"Cache Entry Identifier": CACHE_KEY},
        services={"Distributed Cache Service": client.key},
        done=("success",),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(put,), services=(REDIS_POOL, client), params=(*REDIS_PARAMS, ttl))


def redis_lookup(integration: Integration, port: Port) -> Boundary:
    binding = port.binding.ref("binding_ref")
    client, ttl = _cache(port)
    fetch = Step(
        key="fetch",
        name=f"look up {binding}",
        component=nc.FETCH_DISTRIBUTED_MAP_CACHE,
        comments=port_comment(port, f"Reads the entry under the attribute cache.key into the attribute "
                              f"lookup.{port.slug}; a miss (not-found) carries on without it."),
        properties={"Cache Entry Identifier": CACHE_KEY, "Put Cache Value In Attribute": f"lookup.{port.slug}"},
        services={"Distributed Cache Service": client.key},
        forward=("success", "not-found"),
        failures=("failure",),
        retried=("failure",),
        tuned=True,
    )
    return Boundary(steps=(fetch,), services=(REDIS_POOL, client), params=(*REDIS_PARAMS, ttl))
