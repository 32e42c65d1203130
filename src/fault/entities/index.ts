import { FaultAccessTokenEntity } from './fault-access-token.entity';
import { FaultCommentEntity } from './fault-comment.entity';
import { FaultIdempotencyKeyEntity } from './fault-idempotency-key.entity';
import { FaultOpenKeyEntity } from './fault-open-key.entity';
import { FaultOpenPathEntity } from './fault-open-path.entity';
import { FaultSilenceEntity } from './fault-silence.entity';
import { FaultPathSegmentEntity } from './fault-path-segment.entity';
import { FaultEntity } from './fault.entity';
import { FaultTimelineEntity } from '../timeline/fault-timeline.entity';
import { EscalationPolicyEntity } from '../escalation/escalation-policy.entity';
import { SilenceWindowEntity } from '../maintenance/silence-window.entity';

export const FAULT_ENTITIES = [FaultEntity, FaultCommentEntity, FaultPathSegmentEntity, FaultAccessTokenEntity, FaultIdempotencyKeyEntity, FaultOpenKeyEntity, FaultOpenPathEntity, FaultSilenceEntity, FaultTimelineEntity, EscalationPolicyEntity, SilenceWindowEntity];
