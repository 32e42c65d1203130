import { MigrationInterface, QueryRunner } from 'typeorm';

/** Which expiry reminders were sent: one row per item, horizon (days; 0 = expired) and expiry. No entity: raw SQL only. */
export class CreateVaultExpiryReminders1795590000000 implements MigrationInterface {
  name = 'CreateVaultExpiryReminders1795590000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "vault_expiry_reminders" ("vault_id" character varying(30) NOT NULL, "horizon_days" integer NOT NULL, "expires_at" TIMESTAMP WITH TIME ZONE NOT NULL, "sent_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "vault_expiry_reminders_pkey" PRIMARY KEY ("vault_id", "horizon_days", "expires_at"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "vault_expiry_reminders"`);
  }
}
