import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { RowMapper, rowMapper } from '../../database/row-mapper';
import { FaultEntity } from '../entities/fault.entity';

/** Rows selected with FAULT_COLUMNS → fault entities (symptom_count included), for every repository of fault/. */
@Injectable()
export class FaultRowMapper {
  private readonly toEntity: RowMapper<FaultEntity>;

  constructor(dataSource: DataSource) {
    this.toEntity = rowMapper(dataSource, FaultEntity);
  }

  toFault(row: Record<string, unknown>): FaultEntity {
    const fault = this.toEntity(row);
    if ('symptom_count' in row) fault.symptomCount = Number(row.symptom_count);
    return fault;
  }
}
