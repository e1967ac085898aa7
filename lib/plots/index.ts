/** `proclab/plots`: plots of the course (plotly.js specs) and how a notebook shows them. */
export { palette, strategyColor, type Figure, type Trace } from "./figure";
export { oversoldFigure, soldHistogram, granularityFigure, handoffFigure, handoffGaps } from "./rush-figures";
export { timelineFigure, type TimelineOptions } from "./timeline";
export { printLanesFigure } from "./print-lanes";
export { lockCostFigure } from "./lock-cost-figure";
export { lifetimesFigure, endingOf, type LifetimesOptions } from "./lifetimes";
export { display, setupPlots, figureBundle, plotlyVersion } from "./display";
export { scheduleLanesFigure, type ScheduleLanesOptions } from "./schedule-lanes";
export { storeOutcomeFigure, pauseFigure } from "./store-figures";
