// Mapping script of port ErpHttpOut (acme.integration.order_to_erp.v1.ErpOrderUpsertRequest, JSON), run by the
// ExecuteScript processor "map erp_http_out" of the integration's `mapping` group: set the parameter
// mapping.erp_http_out.script.path to this file's path on the NiFi nodes, and mapping.module.path to the
// protobuf-java jar (e.g. /opt/nifi/mappings/lib/protobuf-java-3.25.6.jar) it decodes the input with.
//
// Receives: one acme.domain.orders.v1.DomainFactEnvelope as protobuf bytes (port OrdersIn, Kafka), with the
// attributes kafka.topic, kafka.partition, kafka.offset, integration.name, integration.port, mime.type, traceparent.
// Writes: the ErpOrderUpsertRequest as one JSON object (proto field names), and the attribute X-Correlation-Id,
// which egress erp_http_out sends as a header (without it, the FlowFile goes to failure).
// An order_placed fact becomes an upsert; any other fact is dropped (nothing to upsert).
// ExecuteScript binds session, context, log, REL_SUCCESS and REL_FAILURE (ExecuteScript.java in NiFi). An exception
// the script lets escape rolls the session back and the FlowFile is retried forever: map what fails to REL_FAILURE.
import com.google.protobuf.ByteString
import com.google.protobuf.CodedInputStream
import groovy.json.JsonOutput

import java.time.Instant

/** The fields of a DomainFactEnvelope this mapping uses (acme/domain/orders/v1/facts.proto). */
Map decodeEnvelope(byte[] bytes) {
    def stream = CodedInputStream.newInstance(bytes)
    def fact = [fact_id: '', order_id: '', occurred_at: null, kind: null]
    for (int tag = stream.readTag(); tag != 0; tag = stream.readTag()) {
        switch (tag >>> 3) {
            case 1: fact.fact_id = stream.readString(); break
            case 2: fact.order_id = stream.readString(); break
            case 3: fact.occurred_at = decodeTimestamp(stream.readBytes()); break
            case 10: fact.kind = 'order_placed'; stream.skipField(tag); break
            case 11: fact.kind = 'order_cancelled'; stream.skipField(tag); break
            default: stream.skipField(tag)
        }
    }
    return fact
}

/** google.protobuf.Timestamp: seconds (1) and nanos (2). */
Instant decodeTimestamp(ByteString bytes) {
    def stream = bytes.newCodedInput()
    long seconds = 0
    int nanos = 0
    for (int tag = stream.readTag(); tag != 0; tag = stream.readTag()) {
        switch (tag >>> 3) {
            case 1: seconds = stream.readInt64(); break
            case 2: nanos = stream.readInt32(); break
            default: stream.skipField(tag)
        }
    }
    return Instant.ofEpochSecond(seconds, nanos)
}

def flowFile = session.get()
if (flowFile == null) {
    return
}
try {
    byte[] content = session.read(flowFile).withCloseable { it.bytes }
    def fact = decodeEnvelope(content)
    if (fact.kind != 'order_placed') {
        session.remove(flowFile)
        return
    }
    if (!fact.order_id || !fact.fact_id) {
        throw new IllegalArgumentException("fact ${fact.fact_id ?: '(no fact_id)'} has no order_id or fact_id")
    }
    def request = [
        erp_order_id    : "erp-${fact.order_id}".toString(),
        source_order_id : fact.order_id,
        // proto3 JSON writes a Timestamp as RFC 3339 text.
        updated_at      : fact.occurred_at?.toString(),
        required_headers: ['X-Correlation-Id': fact.fact_id],
    ]
    flowFile = session.importFrom(new ByteArrayInputStream(JsonOutput.toJson(request).getBytes('UTF-8')), flowFile)
    flowFile = session.putAttribute(flowFile, 'X-Correlation-Id', fact.fact_id)
    session.transfer(flowFile, REL_SUCCESS)
} catch (Exception e) {
    log.error('cannot map {} to an ERP upsert: {}', flowFile, e.toString())
    session.transfer(flowFile, REL_FAILURE)
}
