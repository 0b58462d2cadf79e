/**
 * A minimal client of the Worker's DevTools inspector (the protocol Chrome DevTools speaks),
 * as wrangler dev exposes it on --inspector-port: the CPU profiler (bench/profile-worker.ts)
 * and the isolate's heap size (bench/soak/load.ts).
 */
export class Inspector {
  private next = 1;
  private pending = new Map<number, (v: any) => void>();
  private ws: WebSocket;
  private constructor(ws: WebSocket) {
    this.ws = ws;
    ws.addEventListener('message', (e) => {
      const msg = JSON.parse(String(e.data));
      if (msg.id && this.pending.has(msg.id)) {
        this.pending.get(msg.id)!(msg.result ?? msg.error);
        this.pending.delete(msg.id);
      }
    });
  }
  static async connect(port: number): Promise<Inspector> {
    const targets = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as { webSocketDebuggerUrl: string; title: string }[];
    // The user Worker, not wrangler's internal proxy workers.
    const target = targets.find((t) => !/ProxyWorker|InspectorProxy/i.test(t.title)) ?? targets[0];
    // wrangler's inspector proxy only accepts local origins; undici's WebSocket takes headers.
    const ws = new WebSocket(target.webSocketDebuggerUrl, { headers: { origin: 'http://localhost' } } as unknown as string[]);
    await new Promise((resolve, reject) => {
      ws.addEventListener('open', resolve);
      ws.addEventListener('error', reject);
    });
    return new Inspector(ws);
  }
  send(method: string, params: Record<string, unknown> = {}): Promise<any> {
    const id = this.next++;
    this.ws.send(JSON.stringify({ id, method, params }));
    return new Promise((resolve) => this.pending.set(id, resolve));
  }
  close(): void {
    this.ws.close();
  }
}
