import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, MaxLength, Min } from 'class-validator';
import { toApiTimestamp, toApiTimestampOrNull } from '../../common/timestamps';
import { EVENT_FILTERS } from '../../events';
import { DeliveryStatus, WebhookDeliveryEntity } from '../entities/webhook-delivery.entity';
import { WebhookEntity } from '../entities/webhook.entity';

const WELL_FORMED_TEXT = /^\P{Cs}*$/su;

export class CreateWebhookDto {
  /** Where deliveries are POSTed (http or https; a public address unless private targets are allowed). */
  @ApiProperty({ maxLength: 2048, example: 'https://hooks.example.com/netops' })
  @IsString()
  @Length(1, 2048)
  url!: string;

  /** `*`, `fault.*`, `vault.*` or exact event types. */
  @ApiProperty({ type: [String], enum: EVENT_FILTERS, example: ['fault.*'] })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsIn(EVENT_FILTERS, { each: true, message: `each of events must be one of ${EVENT_FILTERS.join(', ')}` })
  events!: string[];

  @ApiPropertyOptional({ maxLength: 500, example: 'Chat notifier' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(WELL_FORMED_TEXT, { message: 'description must be well-formed Unicode text' })
  description?: string;

  /** Also deliver the events of symptom faults (faults with a `root_fault_id`); default false: roots only. */
  @ApiPropertyOptional({ example: false, default: false })
  @IsOptional()
  @IsBoolean()
  include_symptoms?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional({ maxLength: 2048, example: 'https://hooks.example.com/netops' })
  @IsOptional()
  @IsString()
  @Length(1, 2048)
  url?: string;

  @ApiPropertyOptional({ type: [String], enum: EVENT_FILTERS, example: ['fault.*', 'vault.*'] })
  @IsOptional()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  @IsIn(EVENT_FILTERS, { each: true, message: `each of events must be one of ${EVENT_FILTERS.join(', ')}` })
  events?: string[];

  @ApiPropertyOptional({ type: String, nullable: true, maxLength: 500, example: 'Chat notifier' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  @Matches(WELL_FORMED_TEXT, { message: 'description must be well-formed Unicode text' })
  description?: string | null;

  /** true stops deliveries; false re-enables a webhook (also one the service disabled after failures). */
  @ApiPropertyOptional({ example: false })
  @IsOptional()
  @IsBoolean()
  disabled?: boolean;

  /** Also deliver the events of symptom faults (faults with a `root_fault_id`). */
  @ApiPropertyOptional({ example: true })
  @IsOptional()
  @IsBoolean()
  include_symptoms?: boolean;
}

export class WebhookDto {
  @ApiProperty({ example: 'whk_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE' })
  id!: string;

  @ApiProperty({ example: 'https://hooks.example.com/netops' })
  url!: string;

  @ApiProperty({ type: [String], example: ['fault.*'] })
  events!: string[];

  @ApiProperty({ type: String, nullable: true, example: 'Chat notifier' })
  description!: string | null;

  @ApiProperty({ example: false })
  disabled!: boolean;

  /** Symptom faults' events are delivered too (false: only roots', and every fault.correlated). */
  @ApiProperty({ example: false })
  include_symptoms!: boolean;

  /** Set when the service disabled the webhook (e.g. after 3 days of failed deliveries). */
  @ApiProperty({ type: String, nullable: true, example: null })
  disabled_reason!: string | null;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  updated_at!: string;
}

/** The created webhook with its signing secret — shown this once only. */
export class CreatedWebhookDto extends WebhookDto {
  @ApiProperty({ example: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw' })
  secret!: string;
}

export function toWebhookDto(w: WebhookEntity): WebhookDto {
  return {
    id: w.id,
    url: w.url,
    events: w.events,
    description: w.description,
    disabled: w.disabled,
    include_symptoms: w.includeSymptoms,
    disabled_reason: w.disabledReason,
    created_at: toApiTimestamp(w.createdAt),
    updated_at: toApiTimestamp(w.updatedAt),
  };
}

export class ListDeliveriesQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 100, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  limit?: number;

  /** From `meta.cursor` of the previous page. */
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MaxLength(64)
  cursor?: string;
}

export class WebhookDeliveryDto {
  @ApiProperty({ example: '1042' })
  id!: string;

  @ApiProperty({ example: 'evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE' })
  event_id!: string;

  @ApiProperty({ example: 'fault.created' })
  event_type!: string;

  @ApiProperty({ enum: ['pending', 'succeeded', 'failed'], example: 'succeeded' })
  status!: DeliveryStatus;

  @ApiProperty({ example: 1 })
  attempts!: number;

  @ApiProperty({ type: Number, nullable: true, example: 200 })
  last_response_code!: number | null;

  /** Why the last attempt failed (timeout, refused target, status); null after a success. */
  @ApiProperty({ type: String, nullable: true, example: null })
  last_error!: string | null;

  /** When the next attempt is due; null once succeeded or failed. */
  @ApiProperty({ type: String, nullable: true, example: null })
  next_attempt_at!: string | null;

  @ApiProperty({ example: '2025-10-21T12:00:00.000000Z' })
  created_at!: string;

  @ApiProperty({ type: String, nullable: true, example: '2025-10-21T12:00:00.250000Z' })
  completed_at!: string | null;
}

export class WebhookDeliveryPageMetaDto {
  @ApiProperty({ example: 1 })
  count!: number;

  @ApiProperty({ type: String, nullable: true, example: null })
  cursor!: string | null;

  @ApiProperty({ example: false })
  has_more!: boolean;
}

export class WebhookDeliveryPageDto {
  @ApiProperty({ type: [WebhookDeliveryDto] })
  data!: WebhookDeliveryDto[];

  @ApiProperty({ type: WebhookDeliveryPageMetaDto })
  meta!: WebhookDeliveryPageMetaDto;
}

export class WebhookTestDto {
  /** The id of the `webhook.test` event queued for delivery (see /deliveries). */
  @ApiProperty({ example: 'evt_2bYqJ3mXk9ZlQ0c8vN1rT5pW7aE' })
  event_id!: string;
}

export function toDeliveryDto(d: WebhookDeliveryEntity): WebhookDeliveryDto {
  return {
    id: String(d.id),
    event_id: d.eventId,
    event_type: d.eventType,
    status: d.status,
    attempts: d.attempts,
    last_response_code: d.lastResponseCode,
    last_error: d.lastError,
    next_attempt_at: d.status === 'pending' ? toApiTimestampOrNull(d.nextAttemptAt) : null,
    created_at: toApiTimestamp(d.createdAt),
    completed_at: toApiTimestampOrNull(d.completedAt),
  };
}
