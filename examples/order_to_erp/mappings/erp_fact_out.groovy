// Mapping script of port ErpFactOut (acme.integration.order_to_erp.v1.ErpUpsertedFact, protobuf), run by the
// ExecuteScript processor "map erp_fact_out" of the integration's `mapping` group: set the parameter
// mapping.erp_fact_out.script.path to this file's path on the NiFi nodes, and mapping.module.path to the
// protobuf-java jar (e.g. /opt/nifi/mappings/lib/protobuf-java-3.25.6.jar).
//
// Receives: one acme.domain.orders.v1.DomainFactEnvelope as protobuf bytes (port OrdersIn, Kafka), with the
// attributes kafka.topic, kafka.partition, kafka.offset, integration.name, integration.port, mime.type, traceparent.
// Writes: one ErpUpsertedFact as protobuf bytes; egress erp_fact_out adds the CloudEvents attributes and publishes
// it. An order_placed fact becomes an ErpUpsertedFact; any other fact is dropped.
// ExecuteScript binds session, context, log, REL_SUCCESS and REL_FAILURE (ExecuteScript.java in NiFi). An exception
// the script lets escape rolls the session back and the FlowFile is retried forever: map what fails to REL_FAILURE.
import com.google.protobuf.ByteString
import com.google.protobuf.CodedInputStream
import com.google.protobuf.CodedOutputStream

/** The fields of a DomainFactEnvelope this mapping uses (acme/domain/orders/v1/facts.proto). */
Map decodeEnvelope(byte[] bytes) {
    def stream = CodedInputStream.newInstance(bytes)
    def fact = [fact_id: '', order_id: '', occurred_at: null, kind: null]
    for (int tag = stream.readTag(); tag != 0; tag = stream.readTag()) {
        switch (tag >>> 3) {
            case 1: fact.fact_id = stream.readString(); break
            case 2: fact.order_id = stream.readString(); break
            case 3: fact.occurred_at = stream.readBytes(); break  // a google.protobuf.Timestamp, passed on as is
            case 10: fact.kind = 'order_placed'; stream.skipField(tag); break
            case 11: fact.kind = 'order_cancelled'; stream.skipField(tag); break
            default: stream.skipField(tag)
        }
    }
    return fact
}

/** ErpUpsertedFact: source_order_id (1), erp_order_id (2), occurred_at (3). */
byte[] encodeUpserted(String sourceOrderId, String erpOrderId, ByteString occurredAt) {
    def bytes = new ByteArrayOutputStream()
    def stream = CodedOutputStream.newInstance(bytes)
    stream.writeString(1, sourceOrderId)
    stream.writeString(2, erpOrderId)
    if (occurredAt != null) {
        stream.writeBytes(3, occurredAt)
    }
    stream.flush()
    return bytes.toByteArray()
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
    if (!fact.order_id) {
        throw new IllegalArgumentException("fact ${fact.fact_id ?: '(no fact_id)'} has no order_id")
    }
    byte[] upserted = encodeUpserted(fact.order_id, "erp-${fact.order_id}".toString(), fact.occurred_at)
    flowFile = session.importFrom(new ByteArrayInputStream(upserted), flowFile)
    session.transfer(flowFile, REL_SUCCESS)
} catch (Exception e) {
    log.error('cannot map {} to an ErpUpsertedFact: {}', flowFile, e.toString())
    session.transfer(flowFile, REL_FAILURE)
}
