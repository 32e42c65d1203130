import type { ExamplesObject, LinksObject } from '@nestjs/swagger';
import type { ErrorExample } from '../../common/api-error-responses';
import type { CreateFaultDto } from './fault-input.dto';

/**
 * OpenAPI examples of the Faults API, written to work as they are in Swagger UI's "Try it out"
 * against a fresh service with a token from `npm run token -- --customer cus_demo`.
 */
const USER_FAULT: CreateFaultDto = {
  resource_id: 'dev_2j4k2l2j3k4l2j3k4',
  microservice_id: 'wantunnel-monitor',
  type: 'wantunnel',
  severity: 'HIGH',
  message: "WAN tunnel 'Primary link (WAN1)' is down",
  cause: 'Upstream ISP outage',
  resource_ancestry_path: 'site_8a7b6c5d4e3f2g1h|dev_2j4k2l2j3k4l2j3k4',
};

/** Keys sort in the committed document, so the one Swagger UI pre-fills sorts first; `service_ingestion` needs a service token (`npm run token -- --service --scopes faults:ingest`). */
export const CREATE_FAULT_EXAMPLES: ExamplesObject = {
  manual: { summary: 'A user reports a fault in their own tenant (no customer_id)', value: USER_FAULT },
  repeatable_with_dedup_key: {
    summary: 'A report with a dedup_key: the first creates a fault (201); repeats while it is unresolved merge into it (200, Fault-Deduplicated: true)',
    value: { ...USER_FAULT, dedup_key: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' },
  },
  service_ingestion: {
    summary: 'A monitoring service (service token with faults:ingest) names the tenant',
    value: { ...USER_FAULT, customer_id: 'cus_demo', type: 'site', severity: 'CRITICAL', message: 'Site offline', cause: null },
  },
};

export const UPDATE_FAULT_EXAMPLES: ExamplesObject = {
  resolve: { summary: 'Resolve it (sets resolved_at) and record the cause', value: { status: 'resolved', cause: 'ISP restored service' } },
  unresolve: { summary: 'Reopen it (clears resolved_at)', value: { status: 'unresolved' } },
};

/** Where a created fault's id goes next (shown by Swagger UI; followed by the browser test). */
export const FAULT_LINKS: LinksObject = Object.fromEntries(
  ['getFaultById', 'getFaultTimeline', 'updateFault', 'addFaultComment', 'deleteFault'].map((operationId) => [
    operationId,
    { operationId, parameters: { faultId: '$response.body#/id' }, description: `The new fault's id as \`faultId\` of ${operationId}` },
  ]),
);

/** A dashboard token works as the `id` of the dashboard read and of revocation; its short link's last path segment is the `code`. */
export const ACCESS_TOKEN_LINKS: LinksObject = {
  getFaultDashboardByToken: { operationId: 'getFaultDashboardByToken', parameters: { id: '$response.body#/token' }, description: 'Open the shared dashboard with the token (or its short code)' },
  revokeFaultAccessToken: { operationId: 'revokeFaultAccessToken', parameters: { id: '$response.body#/token' }, description: 'Revoke the token (or its short code)' },
  openShortLink: {
    operationId: 'openShortLink',
    parameters: { code: '$response.body#/short_link' },
    description: 'The last path segment of `short_link` is the `code`',
  },
};

export const FAULT_NOT_FOUND: ErrorExample = { description: "No such fault in the token's tenant (another tenant's fault included)", message: 'Fault not found' };
export const DASHBOARD_NOT_FOUND: ErrorExample = { description: 'Unknown, expired or revoked token or code', message: 'Dashboard token not found or expired' };

/** `POST /fault/resolve`: the monitor saw the problem clear; 0 resolved is a normal answer. */
export const RESOLVE_FAULTS_EXAMPLES: ExamplesObject = {
  by_dedup_key: { summary: 'Resolve the unresolved fault reported with this dedup_key', value: { dedup_key: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' } },
  by_resource_and_type: { summary: 'Resolve every unresolved fault of this resource and type', value: { resource_id: 'dev_2j4k2l2j3k4l2j3k4', type: 'wantunnel' } },
  service_recovery: {
    summary: 'A monitoring service (service token with faults:ingest) names the tenant',
    value: { customer_id: 'cus_demo', dedup_key: 'wantunnel:dev_2j4k2l2j3k4l2j3k4:WAN1' },
  },
};

/** `POST /fault/bulk`: ids that are not the tenant's faults come back in `not_found` (still a 200). */
export const BULK_FAULT_EXAMPLES: ExamplesObject = {
  acknowledge: {
    summary: 'Acknowledge faults (ids from listFaults; an unknown id is answered in not_found)',
    value: { action: 'acknowledge', ids: ['flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb', 'flt_2NxVmT1dHcQk9z2Z3hP4ylQ1bAc'] },
  },
  resolve: { summary: 'Resolve faults', value: { action: 'resolve', ids: ['flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb'] } },
  unresolve: { summary: 'Reopen resolved faults (409 when two share an open dedup_key)', value: { action: 'unresolve', ids: ['flt_2NxVmQ6cWBzH8y1Y2gN3xkP0aZb'] } },
};

export const CREATE_FAULT_SILENCE_EXAMPLES: ExamplesObject = {
  site_maintenance: {
    summary: 'Silence WAN tunnel faults of one site for a 4-hour maintenance window',
    value: { site: 'site_8a7b6c5d4e3f2g1h', type: 'wantunnel', starts_at: '2099-01-01T00:00:00Z', ends_at: '2099-01-01T04:00:00Z', comment: 'Carrier maintenance on the WAN1 circuit' },
  },
  one_device: {
    summary: 'Silence every fault of one device for a day (without starts_at it starts now; a window is at most 90 days)',
    value: { resource_id: 'dev_2j4k2l2j3k4l2j3k4', starts_at: '2099-01-02T00:00:00Z', ends_at: '2099-01-03T00:00:00Z', comment: 'Device being replaced' },
  },
  weekly_window: {
    summary: 'Every Sunday 02:00–04:00 Berlin time (stays 02:00 local across daylight-saving changes)',
    value: {
      site: 'site_8a7b6c5d4e3f2g1h',
      schedule: { rrule: 'FREQ=WEEKLY;BYDAY=SU;BYHOUR=2;BYMINUTE=0', duration_minutes: 120, timezone: 'Europe/Berlin' },
      comment: 'Weekly router firmware window',
    },
  },
};

/** Where a created silence's id goes next (shown by Swagger UI; followed by the browser test). */
export const FAULT_SILENCE_LINKS: LinksObject = {
  deleteFaultSilence: {
    operationId: 'deleteFaultSilence',
    parameters: { silenceId: '$response.body#/id' },
    description: "The new silence's id as `silenceId` of deleteFaultSilence (ends it early)",
  },
};

export const OPEN_KEY_CONFLICT_EXAMPLE: ErrorExample = {
  description: 'Reopening would leave two unresolved faults with one dedup_key',
  message: 'Another unresolved fault has this dedup_key; resolve it first',
};
export const TOO_MANY_SILENCES: ErrorExample = {
  description: 'The tenant has 200 active or future silences already',
  message: 'A tenant may have at most 200 active or future silences; delete one first',
};
export const SILENCE_NOT_FOUND: ErrorExample = { description: "No such silence in the token's tenant", message: 'Silence not found' };
