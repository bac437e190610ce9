// Mapping script of ports ResultsOut and AuditOut (evco.integration.v1.ValidationResult, JSON), run by the
// ExecuteScript processors "map results_out" and "map audit_out" of the `mapping` group of cross_service_validation:
// set both mapping.results_out.script.path and mapping.audit_out.script.path to this file's path on the NiFi nodes
// (the two ports carry the same message). It needs nothing beyond NiFi's Groovy (groovy-json included).
//
// Receives: JSON records, one object per line, as NiFi's JSON record writer wrote them: an HourlyBookingTotals row
// (port Hourly: hour, booking_count, booked_cents) or a ValidationRun request (port OnDemand: hour, requested_by),
// each enriched by the LOOKUP ports with cost_totals_lookup (hour, cost_count, amount_cents) and
// payment_totals_lookup (hour, payment_count, amount_cents), a field that is absent or null when the lookup found
// no row for the hour. Attributes: integration.name, integration.port, mime.type, record.count, traceparent.
// Writes: one ValidationResult per record, one JSON object per line (proto field names): the sinks (PutMongoRecord,
// PutDatabaseRecord) read them as records.
// ExecuteScript binds session, context, log, REL_SUCCESS and REL_FAILURE (ExecuteScript.java in NiFi). An exception
// the script lets escape rolls the session back and the FlowFile is retried forever: map what fails to REL_FAILURE.
import groovy.json.JsonOutput
import groovy.json.JsonSlurper

import java.time.Instant
import java.time.temporal.ChronoUnit

/** The checks of one enriched record, as a ValidationResult. */
Map validate(Map record, Instant checkedAt) {
    if (!record.hour) {
        throw new IllegalArgumentException('a record has no hour')
    }
    def cost = record.cost_totals_lookup
    def payment = record.payment_totals_lookup
    boolean booked = (record.booking_count ?: 0) > 0
    return [
        run_id            : "${record.hour}/${record.requested_by ?: 'hourly'}".toString(),
        checked_at        : checkedAt.toString(),  // proto3 JSON: a Timestamp is RFC 3339 text
        // Bookings of the hour that no payment covers, and an hour without its cost totals.
        orphan_booking_ids: booked && payment == null ? [record.hour] : [],
        missing_cost_ids  : cost == null ? [record.hour] : [],
        critical          : payment != null && record.booked_cents != null
                            && payment.amount_cents != record.booked_cents,
    ]
}

def flowFile = session.get()
if (flowFile == null) {
    return
}
try {
    String content = session.read(flowFile).withCloseable { it.getText('UTF-8') }
    def checkedAt = Instant.now().truncatedTo(ChronoUnit.SECONDS)
    def slurper = new JsonSlurper()
    def lines = content.readLines().findAll { it.trim() }.collect { JsonOutput.toJson(validate(slurper.parseText(it) as Map, checkedAt)) }
    flowFile = session.importFrom(new ByteArrayInputStream((lines.join('\n') + '\n').getBytes('UTF-8')), flowFile)
    session.transfer(flowFile, REL_SUCCESS)
} catch (Exception e) {
    log.error('cannot validate {}: {}', flowFile, e.toString())
    session.transfer(flowFile, REL_FAILURE)
}
