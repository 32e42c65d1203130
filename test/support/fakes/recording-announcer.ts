import { EntityManager } from 'typeorm';
import { Announcement, FaultAnnouncer } from '../../../src/fault/core/fault-announcer';
import { FaultDto } from '../../../src/fault/dto/fault.dto';
import { FaultEntity } from '../../../src/fault/entities/fault.entity';

export interface Announced {
  type: string;
  kind: string;
  actor: string;
  faultId: string;
  details: Record<string, unknown>;
  eventData: Record<string, unknown>;
}

/** FaultAnnouncer that records what it was asked to announce (one entry per fault). */
export class RecordingAnnouncer implements Pick<FaultAnnouncer, 'announce'> {
  readonly announced: Announced[] = [];

  async announce(_manager: EntityManager, faults: FaultEntity[], announcement: Announcement): Promise<FaultDto[]> {
    for (const fault of faults) {
      this.announced.push({
        type: announcement.type,
        kind: announcement.kind,
        actor: announcement.actor,
        faultId: fault.id,
        details: announcement.details?.(fault) ?? {},
        eventData: announcement.eventData?.(fault) ?? {},
      });
    }
    return [];
  }
}
