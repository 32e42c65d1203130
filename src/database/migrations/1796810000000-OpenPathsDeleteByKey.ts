import { MigrationInterface, QueryRunner } from 'typeorm';
import { OPEN_PATHS_FUNCTION, openPathsFunction, pathSegmentsOf } from './1796760000000-CorrelationOpenFaults';

/**
 * faults__open_paths deletes a fault's rows of fault_open_paths one segment at a time, each by the
 * whole primary key. Its one DELETE joined the segments in, and once PL/pgSQL switched to the
 * statement's generic plan (after five calls in a session: every pooled connection) the plan read the
 * key's index by customer_id alone, filtering created_at and fault_id: every open fault of the tenant
 * for each fault resolved or deleted. With 50,000 open faults that was 3 ms a fault (offboarding such a
 * tenant deleted 500 faults in 1.5 s); by the whole key it is one index probe per segment.
 */
const OPEN_PATHS_BY_KEY_FUNCTION = openPathsFunction(
  `FOR seg IN ${pathSegmentsOf('OLD')} LOOP
        CONTINUE WHEN seg = '';
        DELETE FROM fault_open_paths
        WHERE customer_id = OLD.customer_id AND segment = seg AND own = (seg = OLD.resource_id) AND created_at = OLD.created_at AND fault_id = OLD.id;
      END LOOP;`,
  `DECLARE
    seg text;
  `,
);

export class OpenPathsDeleteByKey1796810000000 implements MigrationInterface {
  name = 'OpenPathsDeleteByKey1796810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(OPEN_PATHS_BY_KEY_FUNCTION);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(OPEN_PATHS_FUNCTION);
  }
}
