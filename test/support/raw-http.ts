import net from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: any;
  text: string;
}

/** Sends bytes as they are (malformed HTTP included) and parses the first response on the connection. */
export function rawRequest(baseUrl: string, payload: string | Buffer, timeoutMs = 10_000): Promise<RawResponse> {
  const { hostname, port } = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    let settled = false;
    const finish = (): void => {
      if (settled) return;
      const raw = Buffer.concat(chunks).toString('utf8');
      const headerEnd = raw.indexOf('\r\n\r\n');
      if (headerEnd === -1) {
        settled = true;
        socket.destroy();
        reject(new Error(`no complete HTTP response: ${JSON.stringify(raw.slice(0, 200))}`));
        return;
      }
      const [statusLine, ...lines] = raw.slice(0, headerEnd).split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of lines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      const length = headers['content-length'] !== undefined ? Number(headers['content-length']) : undefined;
      const bodyBytes = Buffer.from(raw.slice(headerEnd + 4), 'utf8');
      if (length !== undefined && bodyBytes.length < length) return; // wait for the rest
      settled = true;
      socket.destroy();
      const text = length !== undefined ? bodyBytes.subarray(0, length).toString('utf8') : bodyBytes.toString('utf8');
      let body: unknown;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        body = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body, text });
    };
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      if (!settled) reject(new Error('raw request timed out'));
    });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    socket.on('error', (error) => {
      if (chunks.length > 0) finish();
      else if (!settled) {
        settled = true;
        reject(error);
      }
    });
    socket.write(payload);
  });
}
