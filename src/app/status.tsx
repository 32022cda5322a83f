// The status line (backend and why, with the measured figures when it was chosen by measuring; progress, speed)
// and the page-level message banner.
import { formatValue } from '../core/format';
import { dismissNotice, useApp } from './store';

const STATE_LABEL = {
  starting: 'starting…',
  ready: 'paused',
  running: 'training',
  error: 'stopped by an error',
} as const;

export function StatusLine() {
  const st = useApp((s) => s.status);
  const m = st.backendMeasure;
  return (
    <div
      className="status-line"
      data-testid="status"
      data-state={st.state}
      // For tests and probes: the worker's JIT warm-up is done (engine/warm-up.ts)
      data-warm={st.warmedUp ? 'done' : 'pending'}
    >
      <span>
        <span className={`state-dot ${st.state}`} aria-hidden="true" />
        {STATE_LABEL[st.state]}
      </span>
      <span>
        Backend:{' '}
        <strong
          data-testid="backend"
          data-kernels={st.backend ? (st.fusedKernels ? 'fused' : 'op-by-op') : undefined}
        >
          {st.backend || '…'}
        </strong>
      </span>
      <span>
        Steps: <strong data-testid="step-count">{st.stepCount}</strong>
      </span>
      <span>
        <strong data-testid="steps-per-sec">{st.stepsPerSec > 0 ? formatValue(st.stepsPerSec) : '–'}</strong>{' '}
        steps/s
      </span>
      <span>
        <strong data-testid="ms-per-step">
          {Number.isFinite(st.msPerStep) ? formatValue(st.msPerStep) : '–'}
        </strong>{' '}
        ms/step
      </span>
      {st.backendReason && (
        // When measured: the figures are in the sentence; the attributes give them whole (the e2e test reads them).
        <span
          className="reason"
          data-testid="backend-reason"
          data-measure={m?.source}
          data-chosen={m?.chosen}
          data-cpu-ms={m?.msPerStep.cpu ?? undefined}
          data-webgpu-ms={m?.msPerStep.webgpu ?? undefined}
          title={m ? `run class: ${m.configClass}; device: ${m.device}` : undefined}
        >
          {st.backendReason}
        </span>
      )}
      {st.placement && (
        <span className="reason" data-testid="placement">
          {st.placement}
        </span>
      )}
      {st.error && (
        <span className="field-error" role="alert" data-testid="worker-error">
          {st.error}
        </span>
      )}
    </div>
  );
}

export function NoticeBanner() {
  const notice = useApp((s) => s.notice);
  if (!notice) return null;
  return (
    <div
      className={`notice ${notice.kind}`}
      role={notice.kind === 'error' ? 'alert' : 'status'}
      data-testid="notice"
    >
      <span>{notice.text}</span>
      {notice.action && (
        <button
          type="button"
          className="notice-action"
          onClick={notice.action.run}
          data-testid="notice-action"
        >
          {notice.action.label}
        </button>
      )}
      <button type="button" onClick={dismissNotice} aria-label="Dismiss message">
        ✕
      </button>
    </div>
  );
}
