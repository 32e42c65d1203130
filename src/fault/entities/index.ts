import { FaultAccessTokenEntity } from './fault-access-token.entity';
import { FaultCommentEntity } from './fault-comment.entity';
import { FaultIdempotencyKeyEntity } from './fault-idempotency-key.entity';
import { FaultSilenceEntity } from './fault-silence.entity';
import { FaultPathSegmentEntity } from './fault-path-segment.entity';
import { FaultEntity } from './fault.entity';

export const FAULT_ENTITIES = [FaultEntity, FaultCommentEntity, FaultPathSegmentEntity, FaultAccessTokenEntity, FaultIdempotencyKeyEntity, FaultSilenceEntity];
