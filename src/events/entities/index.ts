import { EventEntity } from './event.entity';

export const EVENT_ENTITIES: Function[] = [EventEntity];
