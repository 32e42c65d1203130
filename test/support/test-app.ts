import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test, TestingModuleBuilder } from '@nestjs/testing';
import { Writable } from 'node:stream';
import { AppModule } from '../../src/app.module';
import { configureApp, createFastifyAdapter, nestOptions } from '../../src/app.setup';
import { AppConfig } from '../../src/config/app.config';
import { AuthConfig } from '../../src/config/auth.config';
import { DatabaseConfig } from '../../src/config/database.config';
import { Env } from '../../src/config/env';
import { KmsConfig } from '../../src/config/kms.config';
import { EventsConfig } from '../../src/config/events.config';
import { FaultConfig } from '../../src/config/fault.config';
import { StreamsConfig } from '../../src/config/streams.config';
import { TenantsConfig } from '../../src/config/tenants.config';
import { VaultConfig } from '../../src/config/vault.config';
import { JobsConfig } from '../../src/config/jobs.config';
import { MetricsConfig } from '../../src/config/metrics.config';
import { TracingConfig } from '../../src/config/tracing.config';
import { createLogger } from '../../src/logging/logger';
import { appendLogs } from './secret-ledger';

/** Config classes rebuilt from the test's environment; feature modules add theirs here. */
export const CONFIG_CLASSES: Array<Type<unknown> & { fromEnv(env: Env): unknown }> = [AppConfig, DatabaseConfig, AuthConfig, FaultConfig, KmsConfig, VaultConfig, TenantsConfig, EventsConfig, StreamsConfig, JobsConfig, MetricsConfig, TracingConfig];

export interface RequestOptions {
  token?: string;
  body?: unknown;
  /** Sent as-is (for malformed-body tests). */
  rawBody?: string;
  headers?: Record<string, string>;
}

export interface TestResponse<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export interface TestApp {
  app: NestFastifyApplication;
  baseUrl: string;
  /** Every log line the app wrote, as raw JSON text. */
  logs: string[];
  request<T = any>(method: string, path: string, options?: RequestOptions): Promise<TestResponse<T>>;
  close(): Promise<void>;
}

export interface TestAppOptions {
  env?: Env;
  /** Extra modules, e.g. test-only controllers that exercise the global guard. */
  imports?: Array<Type<unknown>>;
  override?: (builder: TestingModuleBuilder) => TestingModuleBuilder;
}

/** The real application (same module, adapter and setup as main.ts) listening on a random port. */
export async function startTestApp(options: TestAppOptions = {}): Promise<TestApp> {
  const env = { ...process.env, ...options.env };
  const logs: string[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      for (const line of chunk.toString('utf8').split('\n')) if (line) logs.push(line);
      callback();
    },
  });
  const appConfig = AppConfig.fromEnv(env);
  const logger = createLogger(env.LOG_CAPTURE === 'all' ? 'trace' : appConfig.logLevel === 'silent' ? 'silent' : 'info', sink);

  let builder = Test.createTestingModule({ imports: [AppModule.register({ databaseUrl: env.DATABASE_URL! }), ...(options.imports ?? [])] });
  for (const configClass of CONFIG_CLASSES) builder = builder.overrideProvider(configClass).useValue(configClass.fromEnv(env));
  if (options.override) builder = options.override(builder);
  const moduleRef = await builder.compile();

  const app = moduleRef.createNestApplication<NestFastifyApplication>(createFastifyAdapter(appConfig, logger), nestOptions(logger));
  await configureApp(app);
  await app.listen({ port: 0, host: '127.0.0.1', backlog: appConfig.listenBacklog });
  const address = app.getHttpServer().address() as { port: number };
  const baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    app,
    baseUrl,
    logs,
    async request(method, path, { token, body, rawBody, headers = {} } = {}) {
      const init: RequestInit = { method, headers: { ...headers } };
      const h = init.headers as Record<string, string>;
      if (token !== undefined) h.authorization = `Bearer ${token}`;
      if (rawBody !== undefined) {
        init.body = rawBody;
        h['content-type'] ??= 'application/json';
      } else if (body !== undefined) {
        init.body = JSON.stringify(body);
        h['content-type'] = 'application/json';
      }
      const response = await fetch(`${baseUrl}${path}`, { ...init, redirect: 'manual' });
      const text = await response.text();
      let parsed: unknown;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed as any, text };
    },
    close: async () => {
      await app.close();
      appendLogs(`test-app:${expect.getState().testPath ?? '?'}`, logs);
    },
  };
}
