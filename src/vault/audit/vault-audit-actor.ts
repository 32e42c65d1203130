import { Principal } from '../../auth/principal';
import { currentRequestId } from '../../logging/request-context';

/** Who did it, for the audit trail. */
export interface AuditActor {
  actor: string;
  requestId: string | null;
  /** The request's "now" (from the injected Clock). */
  at: Date;
}

/** The principal as the trail names it (`user:<sub>`, `service:<sub>`), with the request's id. */
export function auditActor(principal: Principal, at: Date): AuditActor {
  return { actor: `${principal.kind}:${principal.subject}`.slice(0, 300), requestId: currentRequestId() ?? null, at };
}
