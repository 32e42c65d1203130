import { EventType } from '../events/event-types';
import { NewEvent } from '../events/events.service';
import { FaultDto } from './dto/fault.dto';

/**
 * The outbox event of a change to a fault, carrying the fault as the API shows it but with only
 * its newest comment (for fault.commented: the one added): an event's size stays bounded however
 * long the discussion grows (the whole list is one GET /fault/{id} away). A silenced fault's
 * events are recorded and streamed to dashboards, but never sent to webhooks.
 */
export function faultEvent(type: EventType, fault: FaultDto): NewEvent {
  const bounded: FaultDto = { ...fault, comments: fault.comments.slice(-1) };
  return { type, customerId: fault.customer_id, subject: fault.id, data: { fault: bounded }, deliver: !fault.silenced };
}
