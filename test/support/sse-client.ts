export interface SseFrame {
  id?: string;
  event?: string;
  data?: string;
  comment?: string;
}

/** An open Server-Sent-Events response, parsed frame by frame as it arrives. */
export interface SseStream {
  status: number;
  frames: SseFrame[];
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Opens `url` as an event stream (a non-200 answer: its status, no frames, ended). `onFrame`, when
 * given, hears of each frame as it is parsed, with the time its last bytes were read (what the
 * bench measures latency to).
 */
export async function openSse(url: string, headers: Record<string, string> = {}, onFrame?: (frame: SseFrame, at: number) => void): Promise<SseStream> {
  const controller = new AbortController();
  const response = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: controller.signal });
  const frames: SseFrame[] = [];
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));
  if (response.status !== 200 || response.body === null) {
    await response.text().catch(() => undefined);
    resolveEnded();
    return { status: response.status, frames, ended, close: () => controller.abort() };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  void (async () => {
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const at = Date.now();
        buffer += decoder.decode(value, { stream: true });
        let cut: number;
        while ((cut = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, cut);
          buffer = buffer.slice(cut + 2);
          const frame: SseFrame = {};
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) frame.comment = line.slice(1).trim();
            else {
              const [field, ...rest] = line.split(': ');
              if (field === 'id' || field === 'event' || field === 'data') frame[field] = rest.join(': ');
            }
          }
          frames.push(frame);
          onFrame?.(frame, at);
        }
      }
    } catch {
      // aborted by the caller
    } finally {
      resolveEnded();
    }
  })();
  return { status: response.status, frames, ended, close: () => controller.abort() };
}
