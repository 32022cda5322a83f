// The SVG drawers end to end on a minimal fake DOM (no jsdom in this project): each chart renders runs of
// one, two and three models (two KRUs and an RNN) without throwing, draws lines, names every model in its
// readout, and labels the λ / lr change marks with the changed model. The heatmap (canvas + d3.axis) is not
// covered here.
import { describe, expect, it } from 'vitest';

/** Just the DOM surface the drawers use: attributes, children, live getElementsByTagName, text. */
class El {
  children: El[] = [];
  parent: El | null = null;
  attrs = new Map<string, string>();
  style: Record<string, string> = {};
  dataset: Record<string, string> = {};
  private text = '';
  constructor(public tagName: string) {}
  setAttribute(k: string, v: string) {
    this.attrs.set(k, String(v));
  }
  getAttribute(k: string) {
    return this.attrs.has(k) ? this.attrs.get(k)! : null;
  }
  appendChild(c: El) {
    c.parent = this;
    this.children.push(c);
    return c;
  }
  remove() {
    if (this.parent) {
      this.parent.children = this.parent.children.filter((x) => x !== this);
      this.parent = null;
    }
  }
  get textContent(): string {
    return this.text + this.children.map((c) => c.textContent).join('');
  }
  set textContent(v: string) {
    this.text = v;
    this.children = [];
  }
  // Node surface for in-place text updates (setText, setReadout): a '#text' El holds its text in `data`.
  get nodeType(): number {
    return this.tagName === '#text' ? 3 : 1;
  }
  get data(): string {
    return this.text;
  }
  set data(v: string) {
    this.text = v;
  }
  get childNodes(): El[] {
    return this.children;
  }
  get firstChild(): El | null {
    return this.children[0] ?? null;
  }
  get lastChild(): El | null {
    return this.children[this.children.length - 1] ?? null;
  }
  replaceChildren(...c: El[]) {
    this.children = [];
    c.forEach((x) => this.appendChild(x));
  }
  addEventListener() {}
  all(): El[] {
    return this.children.flatMap((c) => [c, ...c.all()]);
  }
  getElementsByTagName(tag: string) {
    return new Proxy({} as Record<string | symbol, unknown>, {
      get: (_t, p) => {
        const list = this.all().filter((e) => e.tagName === tag);
        if (p === 'length') return list.length;
        if (typeof p === 'string' && /^\d+$/.test(p)) return list[+p];
        return undefined;
      },
    });
  }
  getContext() {
    return new Proxy(
      {},
      {
        get: (_t, p) =>
          p === 'createImageData'
            ? (w: number, h: number) => ({ width: w, height: h, data: new Uint8ClampedArray(w * h * 4) })
            : () => {},
      },
    );
  }
}
const g = globalThis as unknown as Record<string, unknown>;
g.document = {
  createElementNS: (_ns: string, t: string) => new El(t),
  createElement: (t: string) => new El(t),
  createTextNode: (t: string) => {
    const e = new El('#text');
    e.textContent = t;
    return e;
  },
};
g.window = globalThis;
g.ResizeObserver = class {
  observe() {}
  disconnect() {}
};
g.requestAnimationFrame = () => 0;
g.cancelAnimationFrame = () => {};

import { History } from '../../src/history/history';
import type { ModelDetail, ModelInfo, ModelSeries, Snapshot } from '../../src/engine/types';
import type { ChartRoots, Drawer } from '../../src/charts/lib/frame';
import { textWidth } from '../../src/core/format';
import type { ModelKind } from '../../src/core/vocabulary';

/** Width of a chart's plot and readout in a 1440 × 900 window (the views' two-column grid). */
const READOUT_PX = 509;

const MODELS: ModelInfo[] = [
  { id: 'kru', label: 'KRU', kind: 'kru' },
  { id: 'kru-l0', label: 'KRU λ=0', kind: 'kru' },
  { id: 'rnn', label: 'RNN', kind: 'rnn' },
];
function series(k: number, lambda: number, F: number, lr = 0.01, acc = NaN): ModelSeries {
  const f = (w: number, v: () => number) => Float32Array.from({ length: k * w }, v);
  return {
    loss: f(1, () => Math.random()),
    lambda: f(1, () => lambda),
    lr: f(1, () => lr),
    accuracy: f(1, () => (Number.isNaN(acc) ? NaN : acc * Math.random())),
    reg: f(1, () => 2),
    lambdaReg: f(1, () => 2 * lambda),
    factorDeviation: f(F, () => Math.random()),
    fullDeviation: f(1, () => Math.random()),
    spectralNorm: f(1, () => 1 + Math.random()),
    factorSingularValues: f(F === 1 ? 0 : 2 * F, () => Math.random() + 0.5),
    gradNormsOverTime: f(5, () => Math.random()),
    gradNorm: f(1, () => 1),
  };
}
const det = (kind: ModelKind, testAccuracy: number | null = null) => ({
  kind,
  singularValues: Float32Array.from([2, 1, 0.5, 0.1]),
  eigenRe: Float32Array.from([1, 0, 0.5, 0.2]),
  eigenIm: Float32Array.from([0, 1, -0.5, 0]),
  groupGradNorms: { W: 0.1 },
  paramCounts: { recurrent: 16, total: 40 },
  factorSizes: kind === 'kru' ? [2, 2] : [4],
  testAccuracy,
});
function snap(
  steps: number[],
  lambda: number,
  models = MODELS,
  rnnLr = 0.01,
  acc = NaN,
  testAccuracy: number | null = null,
): Snapshot {
  const k = steps.length;
  const series_: Record<string, ModelSeries> = {};
  const detail: Record<string, ModelDetail> = {};
  for (const m of models) {
    series_[m.id] = series(
      k,
      m.id === 'kru' ? lambda : 0,
      m.kind === 'kru' ? 2 : 1,
      m.kind === 'rnn' ? rnnLr : 0.01,
      acc,
    );
    detail[m.id] = det(m.kind, testAccuracy);
  }
  return {
    steps: Int32Array.from(steps),
    models,
    series: series_,
    detail,
    stepCount: steps.at(-1) ?? 0,
    baseline: 0.69,
    seqLength: 5,
    msPerStep: 1,
    backend: 'cpu',
  };
}

const mods = {
  loss: () => import('../../src/charts/LossChart'),
  dev: () => import('../../src/charts/DeviationChart'),
  prof: () => import('../../src/charts/GradProfile'),
  sv: () => import('../../src/charts/SingularValuesChart'),
  spec: () => import('../../src/charts/SpectrumChart'),
  acc: () => import('../../src/charts/AccuracyChart'),
};

describe('chart drawers render k models', () => {
  for (const [name, load] of Object.entries(mods)) {
    it(name, async () => {
      const mod = (await load()) as unknown as {
        create: (r: ChartRoots) => Drawer<object> & { width: number };
      };
      for (const models of [MODELS, [MODELS[2]], [MODELS[0], MODELS[2]]]) {
        const h = new History();
        h.append(snap([1, 2, 3], 0.01, models, 0.01, 1));
        h.append(snap([4, 5], 1, models, 0.001, 1));
        const plot = new El('div');
        const readout = new El('div');
        const d = mod.create({ plot, readout } as unknown as ChartRoots);
        d.width = 800;
        d.draw({ history: h, version: 1, smoothing: 0.5, logY: name === 'loss' });
        const paths = plot
          .all()
          .filter((e) => e.tagName === 'path' && (e.getAttribute('d') ?? '').length > 10);
        expect(paths.length).toBeGreaterThanOrEqual(models.length);
        const text = readout.textContent;
        for (const m of models) expect(text).toContain(m.label);
        // Every chart with a training-step axis marks every λ and lr change (the σ chart labels them in its
        // ‖W‖₂ panel; its factor panels draw the lines only).
        if (name === 'loss' || name === 'dev' || name === 'sv' || name === 'acc') {
          const labels = plot
            .all()
            .filter((e) => /kru-(lambda|lr)-label/.test(e.getAttribute('class') ?? ''));
          const want = [
            ...(models.some((m) => m.id === 'kru') ? ['KRU λ=1'] : []),
            ...(models.some((m) => m.id === 'rnn') ? ['RNN lr=0.001'] : []),
          ];
          expect(labels.map((e) => e.textContent)).toEqual(want);
          const lam = labels.find((e) => e.getAttribute('class') === 'kru-lambda-label');
          if (lam) expect(lam.style.fill).toBe('#0072B2');
        }
        d.destroy();
      }
    });
  }
});

describe('accuracy chart', () => {
  async function drawn(acc: number, testAccuracy: number | null) {
    const { create } = await import('../../src/charts/AccuracyChart');
    const h = new History();
    h.append(snap([1, 2, 3], 0.01, MODELS, 0.01, acc, testAccuracy));
    const plot = new El('div');
    const readout = new El('div');
    const d = create({ plot, readout } as unknown as ChartRoots) as unknown as Drawer<object> & {
      width: number;
    };
    d.width = 800;
    d.draw({ history: h, version: 1 });
    return { plot, readout: readout.textContent };
  }

  it('says when the task has no accuracy (adding) and draws no lines', async () => {
    const { plot, readout } = await drawn(NaN, null);
    expect(plot.textContent).toContain('No accuracy for this task');
    expect(readout).toContain('no accuracy for this task');
    const lines = plot
      .all()
      .filter((e) => e.tagName === 'path' && e.getAttribute('class') !== 'domain' && e.getAttribute('d'));
    expect(lines).toEqual([]);
  });

  it("names each model's held-out test accuracy in the readout (digits)", async () => {
    const { plot, readout } = await drawn(1, 0.875);
    expect(plot.textContent).not.toContain('No accuracy');
    for (const m of MODELS) expect(readout).toContain(m.label);
    expect(readout.match(/held-out test accuracy 0\.875/g)).toHaveLength(MODELS.length);
  });
});

// Issue 16, "one number format for the whole page": every axis of every chart in the format of lib/format.ts,
// whole-number ticks on step and position axes, tick labels that differ, rotated y labels with room, and
// readouts that fit their two lines.
describe('axes and readouts (one number format)', () => {
  const load: Record<string, () => Promise<unknown>> = {
    ...mods,
    heat: () => import('../../src/charts/GradHeatmap'),
  };
  /** Charts whose x axis is the training step (the spectrum's is an index, the profile's a position). */
  const STEP_X = new Set(['loss', 'dev', 'sv', 'acc', 'heat']);
  const INTEGER_X = new Set([...STEP_X, 'spec:sv', 'prof']);

  async function render(name: string, snaps: Snapshot[], width = 800) {
    const mod = (await load[name]()) as { create: (r: ChartRoots) => Drawer<object> & { width: number } };
    const h = new History();
    for (const s of snaps) h.append(s);
    const plot = new El('div');
    const readout = new El('div');
    const d = mod.create({ plot, readout } as unknown as ChartRoots);
    d.width = width;
    d.draw({ history: h, version: 1, smoothing: 0, logY: true });
    return { plot, readout: readout.textContent };
  }

  const classOf = (e: El) => e.getAttribute('class') ?? '';
  /** Each axis's tick labels (a `kru-axis` group's texts), with its kind. */
  function axes(plot: El): Array<{ kind: 'x' | 'y' | 'legend'; labels: string[]; panel: El | null }> {
    return plot
      .all()
      .filter((e) => e.tagName === 'g' && classOf(e).split(' ').includes('kru-axis'))
      .map((g) => ({
        kind: classOf(g).includes('kru-axis-x') ? 'x' : classOf(g).includes('kru-axis-y') ? 'y' : 'legend',
        labels: g
          .all()
          .filter((e) => e.tagName === 'text')
          .map((e) => e.textContent),
        panel: g.parent && classOf(g.parent) === 'kru-panel' ? g.parent : null,
      }));
  }
  const translate = (t: string | null) =>
    (t?.match(/translate\(([-\d.e]+),([-\d.e]+)\)/) ?? []).slice(1).map(Number);

  const steps = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  const histories: Record<string, Snapshot[]> = {
    'one step': [snap([1], 0.01)],
    'three steps': [snap([1, 2, 3], 0.01)],
    '20,000 steps': [snap(steps(1, 20000), 0.01)],
  };
  const VALUE = /^−?\d+(\.\d+)?(e−?\d+)?$/; // formatValue / formatTicks
  const POW10 = /^10[⁻⁰¹²³⁴⁵⁶⁷⁸⁹]+$/; // a decade on a log axis outside 0.001 … 1000
  const COUNT = /^(\d{1,4}|\d{1,3}(,\d{3})+)$/; // formatCount

  for (const name of Object.keys(load)) {
    for (const [what, snaps] of Object.entries(histories)) {
      it(`${name}, ${what}: one format, distinct labels, whole steps`, async () => {
        const { plot } = await render(name, snaps);
        const all = axes(plot);
        expect(all.length).toBeGreaterThan(0);
        all.forEach((a, k) => {
          expect(new Set(a.labels).size, `${a.kind} ${a.labels.join(' | ')}`).toBe(a.labels.length);
          for (const l of a.labels)
            expect(l, `${a.kind} ${a.labels.join(' | ')}`).toMatch(
              new RegExp(`${VALUE.source}|${POW10.source}|${COUNT.source}`),
            );
          // The spectrum's first panel is the σ index (whole numbers), its second the complex plane.
          const key = name === 'spec' ? (k < 2 ? 'spec:sv' : 'spec:eig') : name;
          if (a.kind === 'x' && INTEGER_X.has(key))
            for (const l of a.labels) expect(l, `${name} x: ${a.labels.join(' | ')}`).toMatch(COUNT);
        });
      });
    }
  }

  it('the complex plane writes its x axis like its y axis (no "500m")', async () => {
    const { plot } = await render('spec', [snap([1, 2, 3], 0.01)]);
    const [, , x, y] = axes(plot);
    expect(x.labels).toEqual(y.labels);
    expect(x.labels).toContain('−0.5');
  });

  it('σ panels after one step: σ within 1e-6 of 1 still gives distinct ticks around 1', async () => {
    const s = snap([1], 0.01, [MODELS[0]]);
    const kru = s.series.kru;
    kru.factorSingularValues = kru.factorSingularValues.map((_, i) => 1 + (i % 2 ? 1e-6 : -1e-6));
    const { plot } = await render('sv', [s]);
    const factorY = axes(plot)
      .filter((a) => a.kind === 'y')
      .slice(1); // the first is ‖W‖₂'s (that panel is built first)
    expect(factorY.length).toBe(2);
    for (const a of factorY) expect(a.labels).toEqual(['0.95', '1', '1.05']);
  });

  it('rotated y labels stay inside the SVG and clear of their tick labels', async () => {
    const big = snap([1, 2, 3], 0.01);
    big.series.rnn.spectralNorm = Float32Array.from([1, 900, 5000]);
    big.series.rnn.loss = Float32Array.from([1, 1e3, 2e4]);
    for (const name of Object.keys(load)) {
      for (const snaps of [...Object.values(histories), [big]]) {
        const { plot } = await render(name, snaps);
        for (const panel of plot.all().filter((e) => classOf(e) === 'kru-panel')) {
          const label = panel.children.find(
            (e) => classOf(e) === 'kru-axis-label' && /rotate\(-90\)/.test(e.getAttribute('transform') ?? ''),
          );
          if (!label?.textContent) continue;
          const [left] = translate(panel.getAttribute('transform'));
          const [x] = translate(label.getAttribute('transform'));
          const ticks = axes(panel).find((a) => a.kind === 'y')!.labels;
          const widest = Math.max(0, ...ticks.map((t) => textWidth(t, 11)));
          const where = `${name}: ${label.textContent} at ${x}, left ${left}, ticks ${ticks.join(' | ')}`;
          // The text reaches the font's ascent (~0.93 em) left of the baseline and ~0.25 em right of it.
          expect(left + x, where).toBeGreaterThanOrEqual(0.93 * 11);
          expect(-x - 0.25 * 11, where).toBeGreaterThanOrEqual(8 + widest);
        }
      }
    }
  });

  it('the readouts of a default run (a six-factor KRU and an RNN) fit two lines of a chart at 1440 px', async () => {
    const models = [MODELS[0], MODELS[2]];
    const s = snap(steps(1, 300), 0.01, models);
    s.series.kru = series(300, 0.01, 6);
    s.series.kru.factorSingularValues = Float32Array.from(
      { length: 300 * 12 },
      () => 0.9 + Math.random() * 0.2,
    );
    s.detail.kru = { ...det('kru'), factorSizes: [2, 2, 2, 2, 2, 2] };
    // Values as a run shows them: 3 significant digits and some in exponent form.
    for (const m of models)
      for (const col of Object.values(s.series[m.id]) as Float32Array[])
        for (let i = 0; i < col.length; i++) col[i] = Math.fround((1 + Math.random()) * 10 ** -(1 + (i % 5)));
    for (const name of Object.keys(load)) {
      const { readout } = await render(name, [s], READOUT_PX);
      for (const m of models) expect(readout, name).toContain(m.label);
      expect(textWidth(readout, 12), `${name}: ${readout}`).toBeLessThanOrEqual(2 * READOUT_PX * 0.9);
    }
  });
});

// The History folds old rows into min/max buckets (compaction) and truncates on a restore: rows are then
// rewritten, not appended. Every chart's incremental caches must start over, so that a chart that drew the
// History before draws exactly what a fresh chart draws after.
describe('charts after the History rewrote its rows', () => {
  const load: Record<string, () => Promise<unknown>> = {
    ...mods,
    heat: () => import('../../src/charts/GradHeatmap'),
  };
  const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

  function drawing(name: string, mod: { create: (r: ChartRoots) => Drawer<object> & { width: number } }) {
    const plot = new El('div');
    const readout = new El('div');
    const d = mod.create({ plot, readout } as unknown as ChartRoots);
    d.width = 800;
    const draw = (h: History, version: number) => {
      (d as unknown as { lastRender: number }).lastRender = -Infinity; // no redraw throttling here
      d.draw({ history: h, version, smoothing: 0.6, logY: name === 'loss' });
      return [
        ...plot
          .all()
          .filter((e) => e.tagName === 'path' || e.tagName === 'text')
          .map((e) => e.getAttribute('d') ?? e.textContent),
        readout.textContent,
      ];
    };
    return { draw, destroy: () => d.destroy() };
  }

  for (const name of Object.keys(load)) {
    it(`${name}: after a compaction and after a restore, the same as a fresh chart`, async () => {
      const mod = (await load[name]()) as { create: (r: ChartRoots) => Drawer<object> & { width: number } };
      const h = new History();
      h.append(snap(range(1, 10_000), 0.01, MODELS, 0.01, 1));
      const live = drawing(name, mod);
      live.draw(h, 1);
      const epoch = h.epoch;
      h.append(snap(range(10_001, 10_600), 1, MODELS, 0.01, 1)); // the oldest rows fold, buckets merge
      expect(h.epoch).toBeGreaterThan(epoch);
      const fresh = drawing(name, mod);
      expect(live.draw(h, 2)).toEqual(fresh.draw(h, 2));
      h.truncateAfter(10_100, { note: 'restored step 10,100 · lr ÷10' });
      h.append(snap(range(10_101, 10_120), 1, MODELS, 0.01, 1));
      const fresh2 = drawing(name, mod);
      expect(live.draw(h, 3)).toEqual(fresh2.draw(h, 3));
      for (const d of [live, fresh, fresh2]) d.destroy();
    });
  }

  it('a redraw with new rows rewrites the readout in place (no new nodes)', async () => {
    const mod = (await load.loss()) as { create: (r: ChartRoots) => Drawer<object> & { width: number } };
    const h = new History();
    h.append(snap(range(1, 100), 0.01));
    const plot = new El('div');
    const readout = new El('div');
    const d = mod.create({ plot, readout } as unknown as ChartRoots);
    d.width = 800;
    const draw = (version: number) => {
      (d as unknown as { lastRender: number }).lastRender = -Infinity;
      d.draw({ history: h, version, smoothing: 0, logY: false });
    };
    draw(1);
    const nodes = readout.all();
    const before = readout.textContent;
    h.append(snap(range(101, 5_000), 0.01));
    draw(2);
    expect(readout.textContent).not.toBe(before);
    expect(readout.textContent).toContain('step 5000');
    // The same node objects, their text rewritten.
    expect(readout.all().length).toBe(nodes.length);
    readout.all().forEach((n, i) => expect(n).toBe(nodes[i]));
    d.destroy();
  });

  it('marks a restore like a reset: neutral, labelled with its note, on every panel', async () => {
    const h = new History();
    h.append(snap(range(1, 40), 0.01));
    h.truncateAfter(30, { note: 'restored step 30 · lr ÷10' });
    h.append(snap(range(31, 50), 0.01));
    for (const name of ['loss', 'sv', 'heat']) {
      const mod = (await load[name]()) as { create: (r: ChartRoots) => Drawer<object> & { width: number } };
      const plot = new El('div');
      const d = mod.create({ plot, readout: new El('div') } as unknown as ChartRoots);
      d.width = 800;
      d.draw({ history: h, version: 1, smoothing: 0, logY: true });
      const labels = plot.all().filter((e) => e.getAttribute('class') === 'kru-restore-label');
      expect(labels.length, name).toBeGreaterThanOrEqual(1);
      for (const l of labels) expect(l.textContent).toBe('restored step 30 · lr ÷10');
      // Every panel of the chart has the mark's line (the σ chart's factor panels draw lines only).
      const lines = plot
        .all()
        .filter((e) => e.tagName === 'line' && e.getAttribute('stroke-width') === '1.5');
      const panels = name === 'loss' ? 1 : name === 'heat' ? MODELS.length : 5; // σ: 2 KRUs × 2 factors + ‖W‖₂
      expect(lines.length, name).toBe(panels);
      d.destroy();
    }
  });
});
