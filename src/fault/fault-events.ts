import { EventType } from '../events/event-types';
import { NewEvent } from '../events/events.service';
import { FaultDto } from './dto/fault.dto';

/**
 * The outbox event of a change to a fault, carrying the fault as the API shows it. A silenced
 * fault's events are recorded and streamed to dashboards, but never sent to webhooks.
 */
export function faultEvent(type: EventType, fault: FaultDto): NewEvent {
  return { type, customerId: fault.customer_id, subject: fault.id, data: { fault }, deliver: !fault.silenced };
}
