/**
 * A queue's live state over its websocket (GET /v1/review-queues/{id}/live): progress and
 * who is reviewing what, pushed by the review hub on every change. The browser's session
 * cookie authenticates the upgrade; `?project=` picks the project (a websocket cannot send
 * headers). Sends a heartbeat every minute (which also renews the reviewer's lease) and
 * reconnects with backoff when the connection drops.
 */
import { useEffect, useState } from 'react';
import type { QueueProgress, ReviewerProgress } from '../../../schema/wire/review.ts';
import { currentProject } from './client.ts';

/** What the hub pushes. */
export interface QueueLiveState {
  progress: QueueProgress;
  reviewers: ReviewerProgress[];
}

const HEARTBEAT_MS = 60_000;

/** The latest state of a queue, or null until the first message; `connected` says whether it is live. */
export function useQueueLive(queueId: string | null): { state: QueueLiveState | null; connected: boolean } {
  const [state, setState] = useState<QueueLiveState | null>(null);
  const [connected, setConnected] = useState(false);
  useEffect(() => {
    if (!queueId) return;
    let ws: WebSocket | null = null;
    let stopped = false;
    let retry = 500;
    let heartbeat: ReturnType<typeof setInterval> | undefined;
    let reconnect: ReturnType<typeof setTimeout> | undefined;
    const open = () => {
      const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/v1/review-queues/${encodeURIComponent(queueId)}/live?project=${encodeURIComponent(currentProject() ?? '')}`;
      ws = new WebSocket(url);
      ws.onopen = () => {
        retry = 500;
        setConnected(true);
        heartbeat = setInterval(() => ws?.readyState === WebSocket.OPEN && ws.send(JSON.stringify({ type: 'heartbeat' })), HEARTBEAT_MS);
      };
      ws.onmessage = (e) => {
        const msg = JSON.parse(e.data as string);
        if (msg.type === 'state') setState({ progress: msg.progress, reviewers: msg.reviewers });
      };
      ws.onclose = () => {
        setConnected(false);
        clearInterval(heartbeat);
        if (stopped) return;
        reconnect = setTimeout(open, retry);
        retry = Math.min(30_000, retry * 2);
      };
    };
    open();
    return () => {
      stopped = true;
      clearInterval(heartbeat);
      clearTimeout(reconnect);
      ws?.close(1000, 'left the page');
    };
  }, [queueId]);
  return { state, connected };
}
