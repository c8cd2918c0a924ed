// The first page: how deliveries went over the last hour, and each webhook's health.
import { html } from '../html.js';
import { useLoad, ErrorNote } from '../components.js';
import { AttemptsChart, LatencyChart } from '../charts.js';
import { HealthTable } from './webhooks.js';

export function Overview({ api }) {
  const stats = useLoad(() => api.get('/stats/deliveries?minutes=60'), [api], 10_000);
  return html`
    <h1>Overview</h1>
    <section aria-labelledby="charts-title">
      <h2 id="charts-title">The last hour</h2>
      <${ErrorNote} error=${stats.error} />
      <div class="charts">
        <div class="panel">
          <h3>Delivery attempts per minute</h3>
          <${AttemptsChart} minutes=${stats.data?.minutes} />
        </div>
        <div class="panel">
          <h3>Attempt latency</h3>
          <${LatencyChart} minutes=${stats.data?.minutes} />
        </div>
      </div>
    </section>
    <section aria-labelledby="health-title">
      <h2 id="health-title">Webhooks</h2>
      <${HealthTable} api=${api} />
    </section>`;
}
