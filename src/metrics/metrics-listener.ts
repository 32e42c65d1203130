import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { Server, createServer } from 'node:http';
import { AddressInfo } from 'node:net';
import { AppConfig } from '../config/app.config';
import { MetricsConfig } from '../config/metrics.config';
import { MetricsService } from './metrics.service';

/**
 * METRICS_PORT: `/metrics` on a plain HTTP listener of its own (same host as the service), so the
 * scrape endpoint can stay on an internal network while the API port faces the load balancer.
 * Anything but `GET /metrics` there is a 404.
 */
@Injectable()
export class MetricsListener implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Metrics');
  private server: Server | undefined;

  constructor(
    private readonly config: MetricsConfig,
    private readonly appConfig: AppConfig,
    private readonly metrics: MetricsService,
  ) {}

  /** The port it listens on (METRICS_PORT=0 picks a free one, for tests); undefined when not listening. */
  get port(): number | undefined {
    return (this.server?.address() as AddressInfo | null)?.port;
  }

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.enabled || this.config.port === undefined) return;
    const server = createServer((req, res) => {
      if (req.method !== 'GET' || req.url?.split('?')[0] !== '/metrics') {
        res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
        return;
      }
      this.metrics.render().then(
        (body) => res.writeHead(200, { 'content-type': this.metrics.contentType, 'cache-control': 'no-store' }).end(body),
        (error: Error) => {
          this.logger.error(`metrics not rendered: ${error.message}`);
          res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics not available\n');
        },
      );
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.config.port, this.appConfig.host, () => resolve());
    });
    this.server = server;
    this.logger.log(`metrics on http://${this.appConfig.host}:${this.port}/metrics`);
  }

  async onApplicationShutdown(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    if (server === undefined) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
