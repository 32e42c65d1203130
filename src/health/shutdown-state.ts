import { Injectable } from '@nestjs/common';

/**
 * Set when SIGTERM arrives. While draining, readiness answers 503 (so load
 * balancers stop routing here) and every response carries `Connection: close`
 * (so clients drop their keep-alive connections cleanly) — then the server
 * closes without racing a client that reuses an idle connection.
 */
@Injectable()
export class ShutdownState {
  private drainingSince: number | undefined;

  beginDrain(): void {
    this.drainingSince ??= Date.now();
  }

  get draining(): boolean {
    return this.drainingSince !== undefined;
  }
}
