// SVG path data written as bytes into one reusable buffer and decoded into a string once. Built by string
// concatenation, each point cost two number-to-string conversions and a few intermediate strings: ~3.8 MB/s of
// garbage on the page's main thread while training, 80% of all it allocated (a sampling heap profile), and every
// collection of it is main-thread time. The text is the same as `(run ? 'L' : 'M') + Math.round(x * 10) / 10 + …`
// would give, character for character (test/charts/path-text.test.ts).

const M = 77; // 'M'
const L = 76; // 'L'
const COMMA = 44;
const MINUS = 45;
const DOT = 46;
const ZERO = 48;
const H = 104; // 'h'

const decoder = new TextDecoder();
/** Shared by every PathText: one path is written at a time (drawing is synchronous). */
let buf = new Uint8Array(1 << 14);

/** One path's data: points joined into sub-paths, a gap ends one. Write it to the end, then call `text()`. */
export class PathText {
  private n = 0;
  /** Points in the current sub-path. */
  private run = 0;

  /** A point, its coordinates rounded to 0.1 px: starts a sub-path (M) or continues it (L). */
  point(x: number, y: number): void {
    if (this.n + 64 > buf.length) {
      const bigger = new Uint8Array(buf.length * 2);
      bigger.set(buf.subarray(0, this.n));
      buf = bigger;
    }
    buf[this.n++] = this.run ? L : M;
    this.number(x);
    buf[this.n++] = COMMA;
    this.number(y);
    this.run++;
  }

  /** Ends the sub-path; a lone point gets a zero-length segment, which round caps show as a dot. */
  gap(): void {
    if (this.run === 1) {
      buf[this.n++] = H;
      buf[this.n++] = ZERO;
    }
    this.run = 0;
  }

  text(): string {
    this.gap();
    return decoder.decode(buf.subarray(0, this.n));
  }

  /** `String(Math.round(v * 10) / 10)`, without making a string below 1e14 px (charts stay far below). */
  private number(v: number): void {
    if (!(Math.abs(v) < 1e14)) {
      for (const c of String(Math.round(v * 10) / 10)) buf[this.n++] = c.charCodeAt(0);
      return;
    }
    let t = Math.round(v * 10);
    if (t < 0) {
      buf[this.n++] = MINUS;
      t = -t;
    }
    const whole = Math.floor(t / 10);
    const tenth = t - whole * 10;
    let digits = 1;
    for (let p = 10; p <= whole; p *= 10) digits++;
    for (let i = this.n + digits - 1, w = whole; i >= this.n; i--, w = Math.floor(w / 10))
      buf[i] = ZERO + (w % 10);
    this.n += digits;
    if (tenth) {
      buf[this.n++] = DOT;
      buf[this.n++] = ZERO + tenth;
    }
  }
}
