import { EventType, NewEvent } from '../../events';
import { FaultDto } from '../dto/fault.dto';

/**
 * The outbox event of a change to a fault, carrying the fault as the API shows it but with only
 * its newest comment (for fault.commented: the one added): an event's size stays bounded however
 * long the discussion grows (the whole list is one GET /fault/{id} away). A silenced fault's
 * events are recorded and streamed to dashboards, but never sent to webhooks; nor are a flapping fault's
 * resolves, reopens and repeats; a symptom's events go only to webhooks with include_symptoms.
 */
export function faultEvent(type: EventType, fault: FaultDto, extra: Record<string, unknown> = {}): NewEvent {
  const bounded: FaultDto = { ...fault, comments: fault.comments.slice(-1) };
  const damped = fault.flapping && FLAP_DAMPED.has(type);
  return {
    type,
    customerId: fault.customer_id,
    subject: fault.id,
    data: { fault: bounded, ...extra },
    deliver: !fault.silenced && !damped,
    // fault.correlated is news about the outage (these faults now sit under a root): every webhook gets it.
    symptom: fault.root_fault_id !== null && type !== 'fault.correlated',
  };
}

/** While a fault flaps, these are recorded (timeline, streams) but not sent to webhooks. */
const FLAP_DAMPED: ReadonlySet<EventType> = new Set<EventType>(['fault.resolved', 'fault.reopened', 'fault.occurred']);
