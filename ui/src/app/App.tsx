import { lazy, Suspense, useState } from 'react';
import { storedKey, storeKey } from '../api/client';
import { FlowsList } from '../screens/FlowsList';
import { SignIn } from '../screens/SignIn';
import { Link } from './Link';
import { useRoute } from './router';

const FlowEditor = lazy(() => import('../screens/FlowEditor'));
const RunView = lazy(() => import('../screens/RunView'));
const RunsList = lazy(() => import('../screens/RunsList'));
const Dashboard = lazy(() => import('../screens/Dashboard'));

export function App() {
  const [key, setKey] = useState(storedKey);
  const route = useRoute();
  if (!key) {
    return (
      <SignIn
        onSignedIn={(value) => {
          storeKey(value);
          setKey(value);
        }}
      />
    );
  }
  const signOut = () => {
    storeKey(null);
    setKey(null);
  };
  return (
    <div className="app">
      <header className="topbar">
        <Link href="/" className="brand">
          Nectar Studio
        </Link>
        <nav aria-label="Main">
          <Link href="/">Flows</Link>
          <Link href="/runs">Runs</Link>
          <Link href="/dashboard">Dashboard</Link>
        </nav>
        <button type="button" className="link" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="screen">
        <Suspense fallback={<p className="loading">Loading…</p>}>
          {route.screen === 'flows' && <FlowsList onUnauthorized={signOut} />}
          {route.screen === 'flow' && <FlowEditor key={route.flowId} flowId={route.flowId} />}
          {route.screen === 'run' && <RunView key={route.runId} runId={route.runId} />}
          {route.screen === 'runs' && <RunsList search={route.search} />}
          {route.screen === 'dashboard' && <Dashboard search={route.search} />}
          {route.screen === 'missing' && <p role="alert">No page at {route.path}.</p>}
        </Suspense>
      </main>
    </div>
  );
}
