import { Injectable } from '@nestjs/common';

export interface ReadinessCheck {
  name: string;
  /** Resolves when healthy; rejects with a message safe to show (no secrets). */
  check: () => Promise<void>;
}

export type ReadinessResult = Record<string, { status: 'up' | 'down'; error?: string }>;

/** Dependencies that must answer before the service takes traffic (database, KMS provider, …). */
@Injectable()
export class ReadinessRegistry {
  private readonly checks: ReadinessCheck[] = [];

  private last: { atMs: number; result: ReadinessResult } | undefined;
  private inflight: Promise<ReadinessResult> | undefined;

  register(check: ReadinessCheck): void {
    this.checks.push(check);
    this.last = undefined; // a new dependency: the cached answer no longer covers everything
  }

  /**
   * The latest result when it is at most `maxAgeMs` old, else one fresh run shared by every caller meanwhile:
   * a public probe hammered by anyone costs the dependencies at most one check round per `maxAgeMs`.
   */
  async cached(maxAgeMs: number, timeoutMs: number): Promise<ReadinessResult> {
    if (this.last !== undefined && performance.now() - this.last.atMs <= maxAgeMs) return this.last.result;
    this.inflight ??= this.run(timeoutMs)
      .then((result) => {
        this.last = { atMs: performance.now(), result };
        return result;
      })
      .finally(() => {
        this.inflight = undefined;
      });
    return this.inflight;
  }

  async run(timeoutMs: number): Promise<ReadinessResult> {
    const results = await Promise.all(
      this.checks.map(async ({ name, check }) => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
          timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
        });
        try {
          await Promise.race([check(), timeout]);
          return [name, { status: 'up' as const }] as const;
        } catch (error) {
          return [name, { status: 'down' as const, error: (error as Error).message }] as const;
        } finally {
          clearTimeout(timer);
        }
      }),
    );
    return Object.fromEntries(results) as Record<string, { status: 'up' | 'down'; error?: string }>;
  }
}
