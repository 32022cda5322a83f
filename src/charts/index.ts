// Chart components: props in (History + version + a few options), d3 draws inside. See README.md.
import './charts.css';

export { LossChart, type LossChartProps } from './LossChart';
export { SingularValuesChart, type SingularValuesChartProps } from './SingularValuesChart';
export { DeviationChart, type DeviationChartProps } from './DeviationChart';
export { GradHeatmap, type GradHeatmapProps } from './GradHeatmap';
export { GradProfile, type GradProfileProps } from './GradProfile';
export { SpectrumChart, type SpectrumChartProps } from './SpectrumChart';
export { AccuracyChart, type AccuracyChartProps } from './AccuracyChart';
export { ParamsTable, type ParamsTableProps } from './ParamsTable';
export { palette, modelColors, modelStyleAt, modelStyles, okabeIto, theme, type ModelStyle } from './palette';
export { changeLabel, changeText, stylesOf } from './lib/models';
