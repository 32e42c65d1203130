import net from 'node:net';
import { StartupError } from './common/startup-error';

/** The HTTP listener's failure as one line naming PORT or HOST, or undefined when it is not one of those. */
export function listenFailure(error: unknown, host: string, port: number): StartupError | undefined {
  const code = (error as { code?: unknown }).code;
  switch (code) {
    case 'EADDRINUSE':
      return new StartupError(`PORT ${port} is already in use on HOST ${host} (EADDRINUSE); set PORT to a free port, or stop the program that holds it`);
    case 'EACCES':
      return new StartupError(`PORT ${port} on HOST ${host} needs privileges this process does not have (EACCES); set PORT to 1024 or above`);
    case 'EADDRNOTAVAIL':
      return new StartupError(`HOST ${host} is not an address of this machine (EADDRNOTAVAIL); set HOST to one of its addresses, or 0.0.0.0 for all`);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StartupError(`HOST ${host} cannot be resolved (${code}); set HOST to an address of this machine, or 0.0.0.0 for all`);
    default:
      return undefined;
  }
}

/**
 * Binds and releases host:port before anything starts (database, Nest), so a taken PORT is one line
 * within milliseconds instead of a stack after "Nest application successfully started".
 * Port 0 (any free port) needs no check.
 */
export function checkListen(host: string, port: number): Promise<void> {
  if (port === 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', (error) => reject(listenFailure(error, host, port) ?? error));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}
