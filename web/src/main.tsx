/** Entry: theme first (no flash of the wrong colours), then the app. */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { BrowserRouter } from 'react-router';
import { App } from './app.tsx';
import { PROJECT_KEY, SessionProvider } from './api/session.tsx';
import { configureClient, preload } from './api/client.ts';
import { applyTheme, storedTheme } from './lib/theme.ts';
import './styles.css';

applyTheme(storedTheme());

// A deep link to a trace: fetch it while the session is being checked (large traces are
// most of the wait). It is used only if it was for the project the session settles on.
const traceLink = /^\/traces\/([^/]+)$/.exec(location.pathname);
if (traceLink) {
  configureClient({ projectId: localStorage.getItem(PROJECT_KEY) });
  preload(`/v1/traces/${encodeURIComponent(decodeURIComponent(traceLink[1]))}?payloads=false`);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <BrowserRouter>
      <SessionProvider>
        <App />
      </SessionProvider>
    </BrowserRouter>
  </StrictMode>,
);
