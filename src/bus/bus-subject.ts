/** The JetStream stream that holds the service's events, and the subjects it captures. */
export const BUS_STREAM = 'NETOPS_EVENTS';
export const BUS_SUBJECT_PREFIX = 'netops.events';

/**
 * `netops.events.<customer_id>.<type>` (e.g. `netops.events.cus_demo.fault.created`), so a consumer
 * subscribes to one tenant (`netops.events.cus_demo.>`) or one family (`netops.events.*.fault.>`).
 * A customer id is one subject token: characters NATS reserves (`.`, `*`, `>`, whitespace) and any
 * other outside `A-Z a-z 0-9 _ -` are written `~` + two hex digits per UTF-8 byte (`~` itself too).
 */
export function busSubject(customerId: string, type: string): string {
  return `${BUS_SUBJECT_PREFIX}.${subjectToken(customerId)}.${type}`;
}

export function subjectToken(value: string): string {
  if (/^[A-Za-z0-9_-]+$/.test(value)) return value;
  return [...Buffer.from(value, 'utf8')]
    .map((byte) => {
      const char = String.fromCharCode(byte);
      return /[A-Za-z0-9_-]/.test(char) ? char : `~${byte.toString(16).padStart(2, '0')}`;
    })
    .join('');
}
