import { createRoot } from 'react-dom/client';

createRoot(document.getElementById('root')!).render(<h1>KRU Explorer</h1>);
