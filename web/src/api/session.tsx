/**
 * The logged-in session for the whole app: who the user is, their organisations and
 * projects, the project in use (remembered per browser), login and logout. A 401 from any
 * request (expired or ended session) sends the user to /login and back afterwards.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { SessionOut, SessionOrg } from '../../../schema/wire/accounts.ts';
import { api, ApiError, configureClient, nextSessionEpoch, sessionEpoch } from './client.ts';

/** Where the chosen project is remembered (main.tsx reads it too, to preload). */
export const PROJECT_KEY = 'loupe.project';

/** What components read from the session. */
export interface SessionState {
  /** undefined while loading, null when logged out. */
  session: SessionOut | null | undefined;
  /** Why the user was sent to log in (e.g. the session expired). */
  reason: string | null;
  project: { id: string; name: string; org: SessionOrg } | null;
  setProject(id: string): void;
  login(email: string, password: string): Promise<void>;
  logout(): Promise<void>;
  /** Adopts a session answered by another call (accepting an invite). */
  adopt(session: SessionOut): void;
  refresh(): Promise<void>;
}

const SessionContext = createContext<SessionState | null>(null);

function pick(session: SessionOut | null | undefined, wanted: string | null): SessionState['project'] {
  if (!session) return null;
  const all = session.orgs.flatMap((org) => org.projects.map((p) => ({ ...p, org })));
  return all.find((p) => p.id === wanted) ?? all[0] ?? null;
}

/** Provides the session to the app. */
export function SessionProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<SessionOut | null | undefined>(undefined);
  const [reason, setReason] = useState<string | null>(null);
  const [projectId, setProjectId] = useState<string | null>(() => localStorage.getItem(PROJECT_KEY));
  const project = useMemo(() => pick(session, projectId), [session, projectId]);

  // The client reads these on every request; set them during render so children's first fetch has them.
  configureClient({ csrf: session?.csrf_token ?? null, projectId: project?.id ?? null });
  // Remember the project in use, so the next visit (and main.tsx's preload) starts with it.
  useEffect(() => {
    if (project && localStorage.getItem(PROJECT_KEY) !== project.id) localStorage.setItem(PROJECT_KEY, project.id);
  }, [project]);

  // Session changes (login, logout, adopt) start a new epoch in the client. A session check
  // started before a change must not undo it: on a slow network the first check's 401 can
  // land after the user has already logged in, and would otherwise log them straight back out.
  const adopt = useCallback((s: SessionOut) => {
    nextSessionEpoch();
    setReason(null);
    setSession(s);
  }, []);

  const refresh = useCallback(async () => {
    const started = sessionEpoch();
    try {
      const s = await api<SessionOut>('/v1/auth/session', { project: false });
      if (sessionEpoch() === started) adopt(s);
    } catch (err) {
      if (sessionEpoch() !== started) return;
      if (err instanceof ApiError && err.status === 401) {
        setReason(err.code === 'session_expired' ? 'Your session has expired. Log in again.' : null);
        setSession(null);
      } else throw err;
    }
  }, [adopt]);

  useEffect(() => {
    configureClient({
      onUnauthorized: (err, epoch) => {
        if (epoch !== sessionEpoch()) return;
        setReason(err.code === 'session_expired' ? 'Your session has expired. Log in again.' : 'You were logged out. Log in again.');
        setSession(null);
      },
    });
    void refresh();
  }, [refresh]);

  const value = useMemo<SessionState>(
    () => ({
      session,
      reason,
      project,
      setProject(id) {
        localStorage.setItem(PROJECT_KEY, id);
        setProjectId(id);
      },
      async login(email, password) {
        adopt(await api<SessionOut>('/v1/auth/login', { body: { email, password }, project: false }));
      },
      async logout() {
        try {
          await api('/v1/auth/logout', { method: 'POST', project: false });
        } finally {
          nextSessionEpoch();
          setReason(null);
          setSession(null);
        }
      },
      adopt,
      refresh,
    }),
    [session, reason, project, adopt, refresh],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

/** The session state; only inside SessionProvider. */
export function useSession(): SessionState {
  const ctx = useContext(SessionContext);
  if (!ctx) throw new Error('useSession outside SessionProvider');
  return ctx;
}
