import fs from 'node:fs';
import path from 'node:path';
import { DataSource } from 'typeorm';

const MIGRATIONS_DIR = path.join(__dirname, '..', 'migrations');

/** The SQL that would bring the database's schema to what the entities declare. */
export async function pendingSchemaChanges(dataSource: DataSource): Promise<{ up: string[]; down: string[] }> {
  const log = await dataSource.driver.createSchemaBuilder().log();
  return {
    up: log.upQueries.map((q) => q.query),
    down: log.downQueries.map((q) => q.query).reverse(),
  };
}

const quote = (sql: string): string => `\`${sql.replace(/\\/g, '\\\\').replace(/`/g, '\\`').replace(/\$\{/g, '\\${')}\``;

/** Writes a migration with the pending changes and appends it to migrations/index.ts. */
export async function generateMigration(dataSource: DataSource, name: string): Promise<string | undefined> {
  if (!/^[A-Z][A-Za-z0-9]{2,60}$/.test(name)) throw new Error('name must be PascalCase, e.g. CreateFaults');
  const { up, down } = await pendingSchemaChanges(dataSource);
  if (up.length === 0) return undefined;
  const timestamp = Date.now();
  const className = `${name}${timestamp}`;
  const file = `${timestamp}-${name}`;
  const body = `import { MigrationInterface, QueryRunner } from 'typeorm';

export class ${className} implements MigrationInterface {
  name = '${className}';

  async up(queryRunner: QueryRunner): Promise<void> {
${up.map((q) => `    await queryRunner.query(${quote(q)});`).join('\n')}
  }

  async down(queryRunner: QueryRunner): Promise<void> {
${down.map((q) => `    await queryRunner.query(${quote(q)});`).join('\n')}
  }
}
`;
  fs.writeFileSync(path.join(MIGRATIONS_DIR, `${file}.ts`), body);
  const indexFile = path.join(MIGRATIONS_DIR, 'index.ts');
  let index = fs.readFileSync(indexFile, 'utf8');
  index = `import { ${className} } from './${file}';\n${index}`.replace(
    /export const MIGRATIONS: Function\[\] = \[([^\]]*)\];/,
    (_match, list: string) => {
      const items = list.split(',').map((s) => s.trim()).filter(Boolean);
      return `export const MIGRATIONS: Function[] = [${[...items, className].join(', ')}];`;
    },
  );
  fs.writeFileSync(indexFile, index);
  return path.join('src', 'database', 'migrations', `${file}.ts`);
}
