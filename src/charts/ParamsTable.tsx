// Parameter counts of the two models and why the KRU's recurrent matrix is so much cheaper.
import type { History } from '../engine/history';
import { modelColor, modelLabel, type ModelKind } from './palette';
import { EMPTY_TEXT } from './lib/frame';
import { factorShapes, formatInt, recurrentCounts } from './lib/params';

export interface ParamsTableProps {
  history: History;
  /** Unused in the markup; re-renders the table when detail arrives. */
  version: number;
}

const KINDS: ModelKind[] = ['kru', 'rnn'];

/** Recurrent and total parameters per model, the KRU factor shapes, and N² vs 2·Σp_f² in one line. */
export function ParamsTable({ history, version }: ParamsTableProps) {
  const d = history.detail;
  const present = KINDS.filter((k) => d[k]);
  const empty = present.length === 0;
  const sizes = d.kru?.factorSizes ?? [];
  const c = sizes.length ? recurrentCounts(sizes) : null;
  const N = c?.N ?? d.rnn?.factorSizes[0] ?? NaN;
  return (
    <figure className="kru-chart" data-chart="params" data-empty={empty ? 'true' : 'false'} data-version={version}>
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
              </tr>
            </thead>
            <tbody>
              {present.map((k) => (
                <tr key={k}>
                  <th scope="row" style={{ color: modelColor[k] }}>
                    {modelLabel[k]}
                  </th>
                  <td>{formatInt(d[k]!.paramCounts.recurrent)}</td>
                  <td>{formatInt(d[k]!.paramCounts.total)}</td>
                  <td>{k === 'kru' ? `${factorShapes(sizes)} (complex)` : `${formatInt(N)}×${formatInt(N)} (real)`}</td>
                </tr>
              ))}
            </tbody>
          </table>
          {c && (
            <p className="kru-params-note">
              An N×N recurrent matrix has N² = {formatInt(c.N)}² = {formatInt(c.dense)} entries; the KRU stores only
              its Kronecker factors, 2·Σp_f² = {c.sumText} = {formatInt(c.kronecker)} real numbers (real and
              imaginary parts){c.kronecker > 0 && c.dense > c.kronecker ? `, ${formatInt(Math.round(c.dense / c.kronecker))}× fewer` : ''}.
            </p>
          )}
        </>
      )}
    </figure>
  );
}
