// Mapping script of port AlertsOut (evco.integration.v1.DataQualityAlert, JSON on Kafka), run by the ExecuteScript
// processor "map alerts_out" of the `mapping` group of cross_service_validation: set mapping.alerts_out.script.path
// to this file's path on the NiFi nodes. It needs nothing beyond NiFi's Groovy (groovy-json included).
//
// Receives: the same enriched JSON records as validation_result.groovy (one object per line: hour, booking_count,
// booked_cents or requested_by, plus cost_totals_lookup and payment_totals_lookup when found), with the attributes
// integration.name, integration.port, mime.type, record.count, traceparent.
// Writes: one FlowFile per record that needs an alert, each one DataQualityAlert JSON object (egress alerts_out reads
// its run_id as the Kafka key and publishes each FlowFile as one message); a record that needs none writes nothing,
// and the incoming FlowFile is removed once its alerts are out.
// ExecuteScript binds session, context, log, REL_SUCCESS and REL_FAILURE (ExecuteScript.java in NiFi). An exception
// the script lets escape rolls the session back and the FlowFile is retried forever: map what fails to REL_FAILURE.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

/** The alert one enriched record calls for, or null. */
Map alert(Map record) {
    if (!record.hour) {
        throw new IllegalArgumentException('a record has no hour')
    }
    def problems = []
    def payment = record.payment_totals_lookup
    if (record.cost_totals_lookup == null) {
        problems << 'no cost totals'
    }
    if ((record.booking_count ?: 0) > 0 && payment == null) {
        problems << "${record.booking_count} bookings without payments"
    }
    if (payment != null && record.booked_cents != null && payment.amount_cents != record.booked_cents) {
        problems << "booked ${record.booked_cents} cents, paid ${payment.amount_cents}"
    }
    if (!problems) {
        return null
    }
    return [run_id: "${record.hour}/${record.requested_by ?: 'hourly'}".toString(),
            summary: "hour ${record.hour}: ${problems.join('; ')}".toString()]
}

def flowFile = session.get()
if (flowFile == null) {
    return
}
def created = []
try {
    String content = session.read(flowFile).withCloseable { it.getText('UTF-8') }
    def slurper = new JsonSlurper()
    def alerts = content.readLines().findAll { it.trim() }.collect { alert(slurper.parseText(it) as Map) }.findAll()
    for (Map each : alerts) {
        def child = session.create(flowFile)
        created << child
        child = session.importFrom(new ByteArrayInputStream(JsonOutput.toJson(each).getBytes('UTF-8')), child)
        created[-1] = child
    }
    created.each { session.transfer(it, REL_SUCCESS) }
    session.remove(flowFile)
} catch (Exception e) {
    created.each { session.remove(it) }
    log.error('cannot raise the alerts of {}: {}', flowFile, e.toString())
    session.transfer(flowFile, REL_FAILURE)
}
