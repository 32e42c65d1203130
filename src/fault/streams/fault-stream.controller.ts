import { Controller, Get, Header, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, CurrentTenant, Public } from '../../auth/auth.decorators';
import { TenantPrincipal } from '../../auth/principal';
import { ApiError, ApiValidationError } from '../../common/api-error-responses';
import { bearerExpiresAt } from './bearer-expiry';
import { FaultStreamService } from './fault-stream.service';
import { FaultTokenService } from '../dashboard-access/fault-token.service';

const LAST_EVENT_ID = ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' });
const BAD_LAST_EVENT_ID = ApiValidationError('`Last-Event-ID` is not an event id', [{ field: 'Last-Event-ID', message: 'Last-Event-ID is not an event id of this API' }]);
const STREAM_CONTENT = { 'text/event-stream': { schema: { type: 'string' }, example: 'id: evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE\nevent: fault.created\ndata: {"id":"evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE","type":"fault.created",…}\n\n' } };
const STREAM_DESCRIPTION =
  'Server-Sent Events: each of the tenant\'s fault.* events as `id:` / `event:` / `data:` (the event envelope as JSON), ' +
  'a comment line every 15 s; send `Last-Event-ID` to resume after an event (events are kept at least 24 h). ' +
  'Every event exactly once, in a stable order; a client that stops reading is cut once its buffer is full (resume with `Last-Event-ID`). ' +
  'Ends at the token\'s expiry and at the tenant\'s offboarding. ' +
  'The stream never ends by itself, so "Try it out" shows nothing: follow it with `curl -N` (plus the Authorization header where one is needed).';
const STREAM_CAPS = ApiError(429, {
  description:
    'Rate limited, or a stream cap is reached on this instance: per token (`STREAM_MAX_PER_PRINCIPAL`, default 5), per tenant (`STREAM_MAX_PER_TENANT`, default 20) or in all (`STREAM_MAX_PER_INSTANCE`, default 1000); see `Retry-After`',
  message: 'At most 20 open streams per tenant; close one first',
});

@ApiTags('faults')
@Controller('fault')
export class FaultStreamController {
  constructor(
    private readonly streams: FaultStreamService,
    private readonly tokens: FaultTokenService,
  ) {}

  /** The tenant's live fault events (Server-Sent Events). */
  @Get('stream')
  @Auth({ user: ['faults:read'] })
  @LAST_EVENT_ID
  @ApiOkResponse({ description: STREAM_DESCRIPTION, content: STREAM_CONTENT })
  @BAD_LAST_EVENT_ID
  @STREAM_CAPS
  streamFaultEvents(@CurrentTenant() p: TenantPrincipal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.streams.open(request, reply, {
      customerId: p.customerId,
      principalKey: `user:${p.customerId}:${p.subject}`,
      expiresAt: bearerExpiresAt(request.headers.authorization),
    });
  }

  /** The shared dashboard's live fault events (no Authorization header: `id` is the token or its short code). */
  @Get('token/:id/stream')
  @Public()
  @Header('Referrer-Policy', 'no-referrer')
  @LAST_EVENT_ID
  @ApiOkResponse({ description: `${STREAM_DESCRIPTION} Ends within a second of the token's revocation or expiry.`, content: STREAM_CONTENT })
  @BAD_LAST_EVENT_ID
  @ApiError(404, { description: 'Unknown, expired or revoked dashboard token', message: 'Dashboard token not found or expired' })
  @STREAM_CAPS
  async streamSharedFaultEvents(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = await this.tokens.resolve(id);
    if (token === null) throw new NotFoundException('Dashboard token not found or expired');
    await this.streams.open(request, reply, {
      customerId: token.customerId,
      principalKey: `dashboard:${token.id}`,
      expiresAt: token.expiresAt.getTime(),
      stillAllowed: async () => (await this.tokens.resolve(id)) !== null,
    });
  }
}
