// TEMPORARY stand-ins until src/charts/index.ts lands (same props); delete when views.tsx imports '../charts'.
import type { History } from '../engine/history';

interface P {
  history: History;
  version: number;
}
const Stub = ({ version }: P) => <svg width="100%" height="160" role="img" aria-label="chart placeholder"><rect x="0" y="0" width="10" height="10" /><text x="20" y="20">v{version}</text></svg>;
export const LossChart = (p: P & { smoothing: number; logY: boolean }) => <Stub {...p} />;
export const SingularValuesChart = Stub;
export const DeviationChart = Stub;
export const GradHeatmap = Stub;
export const GradProfile = Stub;
export const SpectrumChart = Stub;
export const ParamsTable = Stub;
