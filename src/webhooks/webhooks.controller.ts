import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiParam, ApiTags } from '@nestjs/swagger';
import { Auth, CurrentTenant } from '../auth/auth.decorators';
import { TenantPrincipal } from '../auth/principal';
import { NoStore } from '../common/cache-control';
import { ApiDatabaseUnavailable, ApiError, ApiJsonBodyErrors, ApiValidationError } from '../common/api-error-responses';
import { CREATE_WEBHOOK_EXAMPLES, TOO_MANY_WEBHOOKS, UPDATE_WEBHOOK_EXAMPLES, WEBHOOK_DISABLED, WEBHOOK_LINKS, WEBHOOK_NOT_FOUND } from './dto/webhook-examples';
import { CreateWebhookDto, CreatedWebhookDto, ListDeliveriesQueryDto, UpdateWebhookDto, WebhookDeliveryPageDto, WebhookDto, WebhookTestDto } from './dto/webhook.dto';
import { WebhooksService } from './webhooks.service';

/** The tenant's webhooks: signed (Standard Webhooks) deliveries of its events. */
const WEBHOOK_ID = ApiParam({ name: 'webhookId', description: 'A webhook `id` (`whk_…`), e.g. from createWebhook or listWebhooks' });
const URL_ERRORS =
  '; `url` not an absolute http(s) URL, with credentials or a fragment, not resolving, or resolving to a loopback, private or link-local address where those are refused';

@ApiTags('webhooks')
@ApiDatabaseUnavailable()
@Controller('webhooks')
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  /** Registers a webhook. The signing secret (`whsec_…`) is in this response only. */
  @Post()
  @NoStore()
  @Auth({ user: ['webhooks:write'] })
  @ApiBody({ type: CreateWebhookDto, examples: CREATE_WEBHOOK_EXAMPLES })
  @ApiCreatedResponse({ type: CreatedWebhookDto, links: WEBHOOK_LINKS })
  @ApiJsonBodyErrors([{ field: 'events', message: 'events must contain at least 1 elements' }], URL_ERRORS)
  @ApiError(409, TOO_MANY_WEBHOOKS)
  createWebhook(@CurrentTenant() principal: TenantPrincipal, @Body() body: CreateWebhookDto): Promise<CreatedWebhookDto> {
    return this.webhooks.create(principal, body);
  }

  /** The tenant's webhooks, newest first (never their secrets). */
  @Get()
  @Auth({ user: ['webhooks:read'] })
  @ApiOkResponse({ type: [WebhookDto] })
  listWebhooks(@CurrentTenant() principal: TenantPrincipal): Promise<WebhookDto[]> {
    return this.webhooks.list(principal);
  }

  @Get(':webhookId')
  @Auth({ user: ['webhooks:read'] })
  @WEBHOOK_ID
  @ApiOkResponse({ type: WebhookDto })
  @ApiError(404, WEBHOOK_NOT_FOUND)
  getWebhook(@CurrentTenant() principal: TenantPrincipal, @Param('webhookId') id: string): Promise<WebhookDto> {
    return this.webhooks.get(principal, id);
  }

  /** Changes url, events or description; `disabled: true` pauses it, `false` re-enables it. */
  @Patch(':webhookId')
  @Auth({ user: ['webhooks:write'] })
  @WEBHOOK_ID
  @ApiBody({ type: UpdateWebhookDto, examples: UPDATE_WEBHOOK_EXAMPLES })
  @ApiOkResponse({ type: WebhookDto })
  @ApiJsonBodyErrors([{ field: 'disabled', message: 'disabled must be a boolean value' }], `; nothing to update${URL_ERRORS}`)
  @ApiError(404, WEBHOOK_NOT_FOUND)
  updateWebhook(@CurrentTenant() principal: TenantPrincipal, @Param('webhookId') id: string, @Body() body: UpdateWebhookDto): Promise<WebhookDto> {
    return this.webhooks.update(principal, id, body);
  }

  @Delete(':webhookId')
  @HttpCode(204)
  @Auth({ user: ['webhooks:write'] })
  @WEBHOOK_ID
  @ApiNoContentResponse({ description: 'Deleted, with its delivery history' })
  @ApiError(404, WEBHOOK_NOT_FOUND)
  deleteWebhook(@CurrentTenant() principal: TenantPrincipal, @Param('webhookId') id: string): Promise<void> {
    return this.webhooks.delete(principal, id);
  }

  /** The webhook's deliveries, newest first, cursor paged. */
  @Get(':webhookId/deliveries')
  @Auth({ user: ['webhooks:read'] })
  @WEBHOOK_ID
  @ApiOkResponse({ type: WebhookDeliveryPageDto })
  @ApiValidationError('Invalid query parameter, or a cursor this API did not issue', [{ field: 'limit', message: 'limit must not be greater than 100' }])
  @ApiError(404, WEBHOOK_NOT_FOUND)
  listWebhookDeliveries(@CurrentTenant() principal: TenantPrincipal, @Param('webhookId') id: string, @Query() query: ListDeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    return this.webhooks.deliveries(principal, id, query);
  }

  /** Sends a `webhook.test` event to this webhook (only); follow it in /deliveries. */
  @Post(':webhookId/test')
  @HttpCode(202)
  @Auth({ user: ['webhooks:write'] })
  @WEBHOOK_ID
  @ApiAcceptedResponse({ type: WebhookTestDto })
  @ApiError(404, WEBHOOK_NOT_FOUND)
  @ApiError(409, WEBHOOK_DISABLED)
  testWebhook(@CurrentTenant() principal: TenantPrincipal, @Param('webhookId') id: string): Promise<WebhookTestDto> {
    return this.webhooks.test(principal, id);
  }
}
