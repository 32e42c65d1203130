import { Column, Entity, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { FaultSilenceEntity } from '../entities/fault-silence.entity';

/**
 * One expanded occurrence of a recurring silence, `[starts_at, ends_at)`. A report matches them with
 * one index range on (customer_id, ends_at), as it matches single silences; the windows are expanded
 * ahead (a bounded horizon) when a silence is created and by a scheduled job.
 */
@Entity({ name: 'fault_silence_windows' })
@Index('fault_silence_windows_customer_ends_idx', ['customerId', 'endsAt'])
export class SilenceWindowEntity {
  @PrimaryColumn({ type: 'varchar', length: 128, primaryKeyConstraintName: 'fault_silence_windows_pkey' })
  customerId!: string;

  @PrimaryColumn({ type: 'varchar', length: 31, primaryKeyConstraintName: 'fault_silence_windows_pkey' })
  silenceId!: string;

  @PrimaryColumn({ type: 'timestamptz', primaryKeyConstraintName: 'fault_silence_windows_pkey' })
  startsAt!: Date;

  @ManyToOne(() => FaultSilenceEntity, { onDelete: 'CASCADE' })
  @JoinColumn([
    { name: 'customer_id', referencedColumnName: 'customerId', foreignKeyConstraintName: 'fault_silence_windows_customer_silence_fk' },
    { name: 'silence_id', referencedColumnName: 'id', foreignKeyConstraintName: 'fault_silence_windows_customer_silence_fk' },
  ])
  silence?: FaultSilenceEntity;

  @Column({ type: 'timestamptz' })
  endsAt!: Date;
}
