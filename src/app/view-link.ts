// The loss view's options in the link (`smooth=`, `log=`), so that a shared link shows the curves as they were
// seen. Only values other than the defaults are written; a bad value is reported and its default kept.
import { quoteText } from '../settings/run-config';

export interface LossViewOptions {
  lossSmoothing: number;
  lossLog: boolean;
}

export const VIEW_KEYS = ['smooth', 'log'] as const;

export function viewToParams(v: LossViewOptions, defaults: LossViewOptions, into: URLSearchParams): void {
  if (v.lossSmoothing !== defaults.lossSmoothing) into.set('smooth', String(v.lossSmoothing));
  if (v.lossLog !== defaults.lossLog) into.set('log', v.lossLog ? '1' : '0');
}

export function viewFromParams(params: URLSearchParams): {
  value: Partial<LossViewOptions>;
  problems: string[];
} {
  const value: Partial<LossViewOptions> = {};
  const problems: string[] = [];
  const smooth = params.get('smooth');
  if (smooth !== null) {
    const v = Number(smooth);
    if (smooth.trim() !== '' && Number.isFinite(v) && v >= 0 && v <= 0.99) value.lossSmoothing = v;
    else problems.push(`smooth must be a number from 0 to 0.99, got ${quoteText(smooth)}`);
  }
  const log = params.get('log');
  if (log !== null) {
    if (log === '1' || log === '0') value.lossLog = log === '1';
    else problems.push(`log must be 1 or 0, got ${quoteText(log)}`);
  }
  return { value, problems };
}
