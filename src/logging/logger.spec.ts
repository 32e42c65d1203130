import { Writable } from 'node:stream';
import { nestOptions } from '../app.setup';
import { accessLoggerFor, consoleDestination, createLogger, requestSummary } from './logger';
import { PinoNestLogger } from './pino-nest-logger';
import { requestContext } from './request-context';

function capture(): { lines: Array<Record<string, unknown>>; raw: string[]; stream: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (!line) continue;
        raw.push(line);
        lines.push(JSON.parse(line) as Record<string, unknown>);
      }
      done();
    },
  });
  return { lines, raw, stream };
}

describe('createLogger', () => {
  it('names the request on lines logged while serving it, once, whichever logger wrote them', () => {
    const { lines, raw, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info('outside any request');
    requestContext.run({ requestId: 'req-1' }, () => {
      logger.info('from a feature logger');
      logger.child({ reqId: 'req-1' }).info('from the request logger');
      logger.child({ component: 'nest' }).info('from a child without the id');
    });
    expect(lines.map((l) => [l.msg, l.reqId])).toEqual([
      ['outside any request', undefined],
      ['from a feature logger', 'req-1'],
      ['from the request logger', 'req-1'],
      ['from a child without the id', 'req-1'],
    ]);
    // One reqId key per line, not the binding's and the mixin's both.
    expect(raw.map((line) => line.split('"reqId":').length - 1)).toEqual([0, 1, 1, 1]);
  });

  it('redacts secrets and keeps the query string out of logged requests', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    logger.info({ body: { secret: 'hunter2' }, req: { method: 'GET', url: '/fault/token/abc123?token=x' } }, 'request');
    expect(lines[0]).toMatchObject({ body: { secret: '[redacted]' }, req: { method: 'GET', path: '/fault/token/[redacted]' } });
    expect(JSON.stringify(lines[0])).not.toContain('hunter2');
  });

  it('writes access lines through the same stream and level, in the same format, with the query string left out', () => {
    const { lines, stream } = capture();
    const logger = createLogger('info', stream);
    const access = accessLoggerFor(logger);
    const req = requestSummary({ method: 'GET', url: '/s/AbC123?x=query-secret', routeOptions: { url: '/s/:code' }, ip: '127.0.0.1' });
    access.info({ reqId: 'req-9', req, res: { statusCode: 302 }, responseTime: 1.5 }, 'request completed');
    logger.info('after');
    expect(lines).toEqual([
      { level: 30, time: expect.any(String), service: 'netops-faults-vault', reqId: 'req-9', req: { method: 'GET', path: '/s/[redacted]', route: '/s/:code', ip: '127.0.0.1' }, res: { statusCode: 302 }, responseTime: 1.5, msg: 'request completed' },
      { level: 30, time: expect.any(String), service: 'netops-faults-vault', msg: 'after' },
    ]);
    expect(accessLoggerFor(createLogger('warn', stream)).isLevelEnabled('info')).toBe(false);
  });
});

describe('consoleDestination', () => {
  const terminal = (isTTY: boolean): { out: string[]; stream: Writable & { isTTY?: boolean } } => {
    const out: string[] = [];
    const stream = Object.assign(
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          out.push(chunk.toString('utf8'));
          done();
        },
      }),
      { isTTY },
    );
    return { out, stream };
  };

  it('writes readable lines (pino-pretty) to a terminal in development', () => {
    const { out, stream } = terminal(true);
    createLogger('info', consoleDestination(true, stream)).info({ component: 'database' }, 'embedded PostgreSQL listening');
    const text = out.join('').replace(new RegExp(`${String.fromCharCode(27)}\\[[0-9;]*m`, 'g'), '');
    expect(text).toMatch(/^\[\d\d:\d\d:\d\d\.\d{3}\] INFO.*: embedded PostgreSQL listening\n/);
    expect(() => JSON.parse(text) as unknown).toThrow();
  });

  it.each([
    ['a pipe in development', true, false],
    ['a terminal in production', false, true],
  ])('writes JSON lines to %s', (_case, development, isTTY) => {
    const { out, stream } = terminal(isTTY);
    createLogger('info', consoleDestination(development, stream)).info('hello');
    expect(JSON.parse(out.join(''))).toMatchObject({ level: 30, msg: 'hello' });
  });
});

describe('Nest lines', () => {
  it('are written when they happen (not buffered), with route mapping at debug', () => {
    const { lines, stream } = capture();
    const logger = createLogger('debug', stream);
    expect(nestOptions(logger).bufferLogs).toBe(false);
    const nest = new PinoNestLogger(logger);
    nest.log('Mapped {/fault, GET} route', 'RouterExplorer');
    nest.log('FaultController {/fault}:', 'RoutesResolver');
    nest.log('Nest application successfully started', 'NestApplication');
    expect(lines.map((l) => [l.level, l.context])).toEqual([
      [20, 'RouterExplorer'],
      [20, 'RoutesResolver'],
      [30, 'NestApplication'],
    ]);
  });
});
