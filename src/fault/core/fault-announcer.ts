import { Injectable } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { EventType, EventsService } from '../../events';
import { FaultDto, toFaultDto } from '../dto/fault.dto';
import { FaultEntity } from '../entities/fault.entity';
import { faultEvent } from './fault-events';
import { FaultCommentRepository } from './fault-comment.repository';
import { TimelineKind } from '../timeline/fault-timeline.entity';
import { FaultTimelineService } from '../timeline/fault-timeline.service';

export interface Announcement {
  type: EventType;
  kind: TimelineKind;
  actor: string;
  /** The timeline entry's details (and, for `eventData`, what the event adds beside `fault`). */
  details?: (fault: FaultEntity) => Record<string, unknown>;
  eventData?: (fault: FaultEntity) => Record<string, unknown>;
}

/**
 * What the service does by itself to faults (correlation, flapping, escalation), announced the one way:
 * an outbox event and a timeline entry per fault, in the transaction that made the change.
 */
@Injectable()
export class FaultAnnouncer {
  constructor(
    private readonly comments: FaultCommentRepository,
    private readonly events: EventsService,
    private readonly timeline: FaultTimelineService,
  ) {}

  async announce(manager: EntityManager, faults: FaultEntity[], announcement: Announcement): Promise<FaultDto[]> {
    const byTenant = new Map<string, FaultEntity[]>();
    for (const fault of faults) byTenant.set(fault.customerId, [...(byTenant.get(fault.customerId) ?? []), fault]);
    const dtos: FaultDto[] = [];
    for (const [customerId, group] of byTenant) {
      const comments = await this.comments.commentsOf(customerId, group, manager);
      for (const fault of group) {
        const dto = toFaultDto(fault, comments.get(fault.id) ?? []);
        await this.events.record(manager, faultEvent(announcement.type, dto, announcement.eventData?.(fault) ?? {}));
        await this.timeline.record(manager, fault, announcement.kind, announcement.actor, announcement.details?.(fault) ?? {});
        dtos.push(dto);
      }
    }
    return dtos;
  }
}
