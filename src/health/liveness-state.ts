import { Injectable } from '@nestjs/common';

/**
 * Set when the service cannot recover by itself (e.g. the embedded PostgreSQL it supervises could not be
 * restarted): liveness then fails, so an orchestrator restarts the process, which is about to exit anyway.
 */
@Injectable()
export class LivenessState {
  private reason: string | undefined;

  fail(reason: string): void {
    this.reason ??= reason;
  }

  get failure(): string | undefined {
    return this.reason;
  }
}
