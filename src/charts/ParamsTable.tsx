// Parameter counts of every model, the gradient norm of each of its parameter groups, and why a KRU's
// recurrent matrix is so much cheaper than a dense one.
import type { History } from '../history/history';
import type { ModelDetail } from '../engine/types';
import { formatCount, formatValue } from '../core/format';
import { pageText } from './lib/contrast';
import { EMPTY_TEXT } from './lib/frame';
import { stylesOf } from './lib/models';
import { factorShapes, recurrentCounts } from './lib/params';

export interface ParamsTableProps {
  history: History;
  /** Unused in the markup; re-renders the table when detail arrives. */
  version: number;
}

/** "W 0.012 · U 0.3": the gradient norm of each parameter group at the latest step. */
function groupNorms(d: ModelDetail): string {
  const e = Object.entries(d.groupGradNorms);
  return e.length ? e.map(([name, v]) => `${name} ${formatValue(v)}`).join(' · ') : '—';
}

/** What the recurrent matrices are: factor shapes, or a dense N×N (for the gated kinds, one per gate). */
function shape(d: ModelDetail): string {
  if (d.kind === 'kru') return `${factorShapes(d.factorSizes)} (complex)`;
  if (d.kind === 'kru-lstm') return `4 gates × ${factorShapes(d.factorSizes)} (real)`;
  const N = d.factorSizes[0] ?? NaN;
  const n = `${formatCount(N)}×${formatCount(N)}`;
  if (d.kind === 'lowrank') {
    const r = Math.round(d.paramCounts.recurrent / (2 * N));
    return `${n} = (${formatCount(N)}×${r})·(${r}×${formatCount(N)}) (real)`;
  }
  return d.kind === 'lstm' ? `4 gates × ${n} (real)` : `${n} (real)`;
}

/** One row per model: recurrent and total parameters, W's shape and the group gradient norms; then N² vs 2·Σp_f². */
export function ParamsTable({ history, version }: ParamsTableProps) {
  const d = history.detail;
  const present = stylesOf(history).filter((m) => d[m.id]);
  const empty = present.length === 0;
  // One note per distinct KRU factor layout (runs usually have one).
  const notes = new Map<string, { labels: string[]; sizes: number[] }>();
  for (const m of present) {
    const det = d[m.id]!;
    if (det.kind !== 'kru' || !det.factorSizes.length) continue; // the N² vs 2·Σp_f² note is the KRU's
    const key = det.factorSizes.join('×');
    const note = notes.get(key);
    if (note) note.labels.push(m.label);
    else notes.set(key, { labels: [m.label], sizes: det.factorSizes });
  }
  return (
    <figure
      className="kru-chart"
      data-chart="params"
      data-empty={empty ? 'true' : 'false'}
      data-version={version}
    >
      <figcaption className="kru-chart-head">
        <span className="kru-chart-title">Parameters</span>
      </figcaption>
      {empty ? (
        <div className="kru-chart-readout">{EMPTY_TEXT}</div>
      ) : (
        <>
          <table className="kru-params">
            <thead>
              <tr>
                <th scope="col">model</th>
                <th scope="col">recurrent W</th>
                <th scope="col">total</th>
                <th scope="col">W is</th>
                <th scope="col">gradient norm per group</th>
              </tr>
            </thead>
            <tbody>
              {present.map((m) => {
                const det = d[m.id]!;
                return (
                  <tr key={m.id} data-model={m.id}>
                    <th scope="row" style={{ color: pageText(m.color) }}>
                      {m.label}
                    </th>
                    <td>{formatCount(det.paramCounts.recurrent)}</td>
                    <td>{formatCount(det.paramCounts.total)}</td>
                    <td>{shape(det)}</td>
                    <td className="kru-params-grads">{groupNorms(det)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {[...notes.values()].map(({ labels, sizes }) => {
            const c = recurrentCounts(sizes);
            return (
              <p className="kru-params-note" key={sizes.join('×')}>
                {notes.size > 1 ? `${labels.join(', ')}: ` : ''}An N×N recurrent matrix has N² ={' '}
                {formatCount(c.N)}² = {formatCount(c.dense)} entries; the KRU stores only its Kronecker
                factors, 2·Σp_f² = {c.sumText} = {formatCount(c.kronecker)} real numbers (real and imaginary
                parts)
                {c.kronecker > 0 && c.dense > c.kronecker
                  ? `, ${formatCount(Math.round(c.dense / c.kronecker))}× fewer`
                  : ''}
                .
              </p>
            );
          })}
        </>
      )}
    </figure>
  );
}
