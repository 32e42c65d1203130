import { Controller, Get, Header, NotFoundException, Param, Req, Res } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiTags } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest } from 'fastify';
import { Auth, CurrentPrincipal, Public } from '../auth/auth.decorators';
import { Principal } from '../auth/principal';
import { ApiError, ApiRateLimited, ApiValidationError } from '../common/api-error-responses';
import { FaultStreamService } from './fault-stream.service';
import { FaultTokenService } from './fault-token.service';

const LAST_EVENT_ID = ApiHeader({ name: 'Last-Event-ID', required: false, description: 'Resume after this event id' });
const BAD_LAST_EVENT_ID = ApiValidationError('`Last-Event-ID` is not an event id', [{ field: 'Last-Event-ID', message: 'Last-Event-ID is not an event id of this API' }]);
const STREAM_CONTENT = { 'text/event-stream': { schema: { type: 'string' }, example: 'id: evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE\nevent: fault.created\ndata: {"id":"evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE","type":"fault.created",…}\n\n' } };
const STREAM_DESCRIPTION =
  'Server-Sent Events: each of the tenant\'s fault.* events as `id:` / `event:` / `data:` (the event envelope as JSON), ' +
  'a comment line every 15 s; send `Last-Event-ID` to resume after an event (events are kept at least 24 h). ' +
  'The stream never ends by itself, so "Try it out" shows nothing: follow it with `curl -N` (plus the Authorization header where one is needed).';

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
  @ApiError(429, { description: 'Rate limited, or this token already has 5 open streams on this instance', message: 'At most 5 open streams per token; close one first' })
  streamFaultEvents(@CurrentPrincipal() p: Principal, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    return this.streams.open(request, reply, { customerId: p.customerId!, principalKey: `user:${p.customerId}:${p.subject}` });
  }

  /** The shared dashboard's live fault events (no Authorization header: `id` is the token or its short code). */
  @Get('token/:id/stream')
  @Public()
  @Header('Referrer-Policy', 'no-referrer')
  @LAST_EVENT_ID
  @ApiOkResponse({ description: `${STREAM_DESCRIPTION} Ends within a second of the token's revocation or expiry.`, content: STREAM_CONTENT })
  @BAD_LAST_EVENT_ID
  @ApiError(404, { description: 'Unknown, expired or revoked dashboard token', message: 'Dashboard token not found or expired' })
  @ApiRateLimited()
  async streamSharedFaultEvents(@Param('id') id: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const token = await this.tokens.resolve(id);
    if (token === null) throw new NotFoundException('Dashboard token not found or expired');
    await this.streams.open(request, reply, {
      customerId: token.customerId,
      principalKey: `dashboard:${token.id}`,
      stillAllowed: async () => (await this.tokens.resolve(id)) !== null,
    });
  }
}
