import { BadRequestException, ConflictException, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { Clock } from '../common/clock';
import { TenantPrincipal } from '../auth/principal';
import { WEBHOOK_ID_PATTERN, newWebhookId } from '../common/ids';
import { ValidationFailedException } from '../common/validation';
import { EventsConfig } from '../config/events.config';
import { EventsService } from '../events';
import {
  CreateWebhookDto,
  CreatedWebhookDto,
  ListDeliveriesQueryDto,
  UpdateWebhookDto,
  WebhookDeliveryPageDto,
  WebhookDto,
  WebhookTestDto,
  toDeliveryDto,
  toWebhookDto,
} from './dto/webhook.dto';
import { WebhookEntity } from './entities/webhook.entity';
import { WebhookSecretBox } from './webhook-secret-box';
import { generateWebhookSecret } from './webhook-signature';
import { WebhookTargetError, parseWebhookUrl, resolveTarget } from './webhook-target';
import { WebhooksRepository } from './webhooks.repository';

const NOT_FOUND = 'Webhook not found';
const MAX_WEBHOOKS_PER_TENANT = 25;
const DEFAULT_PAGE_SIZE = 50;

/** A tenant's webhooks: registration (secret shown once), changes, delivery history and test events. */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger('Webhooks');

  constructor(
    private readonly repo: WebhooksRepository,
    private readonly secrets: WebhookSecretBox,
    private readonly outbox: EventsService,
    private readonly config: EventsConfig,
    private readonly clock: Clock,
  ) {}

  async list(principal: TenantPrincipal): Promise<WebhookDto[]> {
    return (await this.repo.list(principal.customerId)).map(toWebhookDto);
  }

  async get(principal: TenantPrincipal, id: string): Promise<WebhookDto> {
    return toWebhookDto(await this.find(principal, id));
  }

  async create(principal: TenantPrincipal, dto: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const customerId = principal.customerId;
    const url = await this.checkedUrl(dto.url);
    const now = this.clock.now();
    const id = newWebhookId(now);
    const secret = generateWebhookSecret();
    const webhook: WebhookEntity = {
      id,
      customerId,
      url,
      events: [...new Set(dto.events)],
      description: dto.description ?? null,
      disabled: false,
      includeSymptoms: dto.include_symptoms ?? false,
      disabledReason: null,
      failingSince: null,
      ...(await this.secrets.seal(secret, customerId, id)),
      createdAt: now,
      updatedAt: now,
    };
    // Counted and inserted under the tenant's lock: concurrent creations cannot pass the cap together.
    if (!(await this.repo.insertWithinCap(webhook, MAX_WEBHOOKS_PER_TENANT))) {
      throw new ConflictException(`A tenant may have at most ${MAX_WEBHOOKS_PER_TENANT} webhooks; delete one first`);
    }
    this.logger.log(`created webhook ${id} for ${customerId}`);
    return { ...toWebhookDto(webhook), secret };
  }

  async update(principal: TenantPrincipal, id: string, dto: UpdateWebhookDto): Promise<WebhookDto> {
    if (dto.url === undefined && dto.events === undefined && dto.description === undefined && dto.disabled === undefined && dto.include_symptoms === undefined) {
      throw new BadRequestException('Nothing to update: send at least one of url, events, description, disabled, include_symptoms');
    }
    const webhook = await this.find(principal, id);
    const now = this.clock.now();
    const changes: Partial<WebhookEntity> = { updatedAt: now };
    if (dto.url !== undefined) changes.url = await this.checkedUrl(dto.url);
    if (dto.events !== undefined) changes.events = [...new Set(dto.events)];
    if (dto.description !== undefined) changes.description = dto.description;
    if (dto.include_symptoms !== undefined) changes.includeSymptoms = dto.include_symptoms;
    await this.repo.transaction(async (m) => {
      if (dto.disabled === true && !webhook.disabled) await this.repo.disable(webhook.id, null, now, m);
      if (dto.disabled === false) Object.assign(changes, { disabled: false, disabledReason: null, failingSince: null });
      await this.repo.update(webhook.customerId, webhook.id, changes, m);
    });
    return toWebhookDto((await this.repo.find(webhook.customerId, webhook.id))!);
  }

  async delete(principal: TenantPrincipal, id: string): Promise<void> {
    const customerId = principal.customerId;
    if (!WEBHOOK_ID_PATTERN.test(id) || !(await this.repo.delete(customerId, id))) throw new NotFoundException(NOT_FOUND);
  }

  async deliveries(principal: TenantPrincipal, id: string, query: ListDeliveriesQueryDto): Promise<WebhookDeliveryPageDto> {
    const webhook = await this.find(principal, id);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    let before: string | undefined;
    if (query.cursor !== undefined) {
      const decoded = Buffer.from(query.cursor, 'base64url').toString('utf8');
      if (!/^[1-9]\d{0,18}$/.test(decoded)) throw new BadRequestException('cursor is not a cursor this API issued');
      before = decoded;
    }
    const rows = await this.repo.deliveries(webhook.customerId, webhook.id, limit + 1, before);
    const page = rows.slice(0, limit);
    const hasMore = rows.length > limit;
    const last = page[page.length - 1];
    return {
      data: page.map(toDeliveryDto),
      meta: { count: page.length, cursor: hasMore && last ? Buffer.from(String(last.id)).toString('base64url') : null, has_more: hasMore },
    };
  }

  /** Queues a `webhook.test` event for this webhook only. */
  async test(principal: TenantPrincipal, id: string): Promise<WebhookTestDto> {
    const webhook = await this.find(principal, id);
    if (webhook.disabled) throw new ConflictException('The webhook is disabled; enable it (PATCH disabled: false) first');
    const event = await this.repo.transaction((m) =>
      this.outbox.record(m, {
        type: 'webhook.test',
        customerId: webhook.customerId,
        onlyWebhookId: webhook.id,
        data: { webhook: { id: webhook.id, url: webhook.url }, message: 'A test event: your endpoint receives and verifies deliveries.' },
      }),
    );
    if (event === null) throw new ConflictException('Events are turned off on this service (EVENTS_ENABLED=false); nothing is delivered');
    return { event_id: event.id };
  }

  private async find(principal: TenantPrincipal, id: string): Promise<WebhookEntity> {
    const customerId = principal.customerId;
    if (!WEBHOOK_ID_PATTERN.test(id)) throw new NotFoundException(NOT_FOUND);
    const webhook = await this.repo.find(customerId, id);
    if (webhook === null) throw new NotFoundException(NOT_FOUND);
    return webhook;
  }

  /** The URL, checked in form and — unless private targets are allowed — in where it resolves now. */
  private async checkedUrl(raw: string): Promise<string> {
    try {
      const url = parseWebhookUrl(raw);
      await resolveTarget(url.hostname, this.config.allowPrivateTargets);
      return url.toString();
    } catch (error) {
      if (error instanceof WebhookTargetError) throw new ValidationFailedException([{ field: 'url', message: error.message }]);
      throw error;
    }
  }
}
