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
const det = (kind: 'kru' | 'rnn', testAccuracy: number | null = null) => ({
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
          if (lam) expect(lam.getAttribute('style')).toBe('fill:#0072B2');
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
