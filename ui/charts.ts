/**
 * chart.js set up once for the dashboard: only the controllers it uses are
 * registered (smaller bundle), animations are off, colours suit the dark
 * theme.
 *
 * @module
 */

import {
  ArcElement,
  CategoryScale,
  Chart,
  DoughnutController,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
} from "chart.js";

Chart.register(
  ArcElement,
  CategoryScale,
  DoughnutController,
  Filler,
  LinearScale,
  LineController,
  LineElement,
  PointElement,
  Tooltip,
);
Chart.defaults.animation = false;
Chart.defaults.color = "#9aa4b2";
Chart.defaults.borderColor = "#232c3b";
Chart.defaults.font.family =
  'system-ui, -apple-system, "Segoe UI", Roboto, "DejaVu Sans", sans-serif';
Chart.defaults.font.size = 11;

export { Chart };
