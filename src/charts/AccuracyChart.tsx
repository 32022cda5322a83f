// Training accuracy over training steps, one line per model, with the λ / lr change marks; for a task with a
// held-out set (digits) each model's latest test accuracy is in the legend and the readout. A task without
// accuracy (the adding problem is a regression) says so instead of drawing an empty axis.
import { type Downsampled } from './lib/data';
import { formatValue } from '../core/format';
import { ChartFrame, useChart, type ChartRoots, type ReadoutPart } from './lib/frame';
import { accuracyLegend, hasAccuracy, rowsOf, testAccuracies } from './lib/models';
import { stepDomain, stepPath } from './lib/series';
import { StepChartDrawer, type StepChartProps } from './lib/step-chart';
import { theme, type ModelStyle } from './palette';

export type AccuracyChartProps = StepChartProps;

const HEIGHT = 220;

class AccuracyDrawer extends StepChartDrawer<AccuracyChartProps> {
  constructor(roots: ChartRoots) {
    super(roots, {
      height: HEIGHT,
      margin: { top: 14, right: 14, bottom: 40, left: 60 },
      ariaLabel: 'training accuracy over training steps',
      yLabel: 'accuracy (training batch)',
    });
  }

  protected plot(p: AccuracyChartProps, steps: Float32Array, n: number): void {
    const h = p.history;
    const panel = this.panel;
    const has = hasAccuracy(h);
    panel.setScales(stepDomain(h), [0, 1], false);
    const msg = panel.mark('no-accuracy', 'text', { class: 'kru-axis-label', x: 8, y: 20 }, 'over');
    const text = has ? '' : 'No accuracy for this task (a regression): see the loss.';
    if (msg.textContent !== text) msg.textContent = text;
    if (!has) return;
    const drawn: Array<{ m: ModelStyle; pts: Downsampled }> = [];
    for (const m of this.styles) {
      const c = h.series[m.id]?.accuracy;
      if (!c) continue;
      drawn.push({ m, pts: this.cache.points(m.id, c, c.view(), rowsOf(c, n), panel.w / 2).points });
    }
    this.cache.sweep();
    for (const { m, pts } of drawn) panel.line(m.id, stepPath(panel, steps, pts), m.color, 1.6, m.dash);
    panel.hrule('one', 1, 'every target right', theme.muted);
  }

  protected readoutValues(p: AccuracyChartProps, i: number): ReadoutPart[] {
    if (!hasAccuracy(p.history)) return [' · no accuracy for this task'];
    const parts: ReadoutPart[] = [];
    for (const m of this.styles) {
      const c = p.history.series[m.id]?.accuracy;
      if (!c || i >= c.rows) continue;
      parts.push(' · ', { text: m.label, color: m.color }, ` accuracy ${formatValue(c.view()[i])}`);
    }
    return parts;
  }

  protected override readoutTail(p: AccuracyChartProps): ReadoutPart[] {
    const parts: ReadoutPart[] = [];
    for (const { m, value } of testAccuracies(p.history, this.styles))
      parts.push(' · ', { text: m.label, color: m.color }, ` held-out test accuracy ${formatValue(value)}`);
    return parts;
  }
}

export const create = (roots: ChartRoots) => new AccuracyDrawer(roots);

/** Each model's training accuracy over training and, with a held-out set, its latest test accuracy. */
export function AccuracyChart({ history, version }: AccuracyChartProps) {
  const { plotRef, readoutRef } = useChart(create, { history, version });
  return (
    <ChartFrame
      name="accuracy"
      title="Accuracy"
      legend={accuracyLegend(history)}
      empty={history.steps.length === 0}
      height={HEIGHT}
      plotRef={plotRef}
      readoutRef={readoutRef}
    />
  );
}
