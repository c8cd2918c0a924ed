// Two small SVG charts: attempts per minute by outcome (stacked bars) and attempt latency
// (p50 and p99 lines). Hand-drawn: a chart library would outweigh the rest of the page, and
// SVG with titles and a text summary stays readable by screen readers.
import { useEffect, useState } from 'preact/hooks';
import { html } from './html.js';
import { clock, ms } from './format.js';

// Drawn in a narrower box on phones, so the labels keep a readable size when scaled down.
const H = 160;
const PAD = { left: 44, right: 8, top: 10, bottom: 22 };
const plotH = H - PAD.top - PAD.bottom;

const NARROW = '(max-width: 600px)';
function useChartWidth() {
  const [narrow, setNarrow] = useState(() => matchMedia(NARROW).matches);
  useEffect(() => {
    const query = matchMedia(NARROW);
    const on = () => setNarrow(query.matches);
    query.addEventListener('change', on);
    return () => query.removeEventListener('change', on);
  }, []);
  const W = narrow ? 360 : 600;
  return [W, W - PAD.left - PAD.right];
}

/// A "nice" axis maximum at or above `n`.
function niceMax(n) {
  if (n <= 4) return 4;
  const pow = 10 ** Math.floor(Math.log10(n));
  for (const step of [1, 2, 2.5, 5, 10]) if (step * pow >= n) return step * pow;
  return 10 * pow;
}

function Axes({ W, plotW, minutes, max, unit }) {
  const ticks = [0, max / 2, max];
  const labelEvery = Math.max(1, Math.round(minutes.length / (W < 600 ? 3 : 4)));
  return html`
    <g class="axis" aria-hidden="true">
      ${ticks.map((t) => {
        const y = PAD.top + plotH - (t / max) * plotH;
        return html`<line x1=${PAD.left} x2=${W - PAD.right} y1=${y} y2=${y} class="grid" />
          <text x=${PAD.left - 6} y=${y + 4} text-anchor="end">${unit(t)}</text>`;
      })}
      ${minutes.map((m, i) =>
        i % labelEvery === 0
          ? html`<text x=${PAD.left + (i + 0.5) * (plotW / minutes.length)} y=${H - 6} text-anchor="middle">${clock(m.start)}</text>`
          : null,
      )}
    </g>`;
}

export function AttemptsChart({ minutes }) {
  const [W, plotW] = useChartWidth();
  if (!minutes) return html`<div class="chart chart-placeholder" aria-busy="true"></div>`;
  const ok = minutes.reduce((s, m) => s + m.succeeded, 0);
  const failed = minutes.reduce((s, m) => s + m.failed, 0);
  const max = niceMax(Math.max(...minutes.map((m) => m.succeeded + m.failed)));
  const bw = plotW / minutes.length;
  const y = (n) => (n / max) * plotH;
  const summary = `Attempts per minute over the last ${minutes.length} minutes: ${ok} succeeded, ${failed} failed.`;
  return html`
    <figure class="chart">
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary}>
        <${Axes} W=${W} plotW=${plotW} minutes=${minutes} max=${max} unit=${(t) => String(Math.round(t))} />
        ${minutes.map((m, i) => {
          const x = PAD.left + i * bw + bw * 0.15;
          const hOk = y(m.succeeded);
          const hFail = y(m.failed);
          const base = PAD.top + plotH;
          return html`<g>
            <title>${clock(m.start)}: ${m.succeeded} succeeded, ${m.failed} failed</title>
            ${m.succeeded ? html`<rect class="ok" x=${x} width=${bw * 0.7} y=${base - hOk} height=${hOk} />` : null}
            ${m.failed ? html`<rect class="fail" x=${x} width=${bw * 0.7} y=${base - hOk - hFail} height=${hFail} />` : null}
          </g>`;
        })}
      </svg>
      <figcaption>
        <span class="key ok"></span> succeeded (${ok}) <span class="key fail"></span> failed (${failed})
      </figcaption>
    </figure>`;
}

export function LatencyChart({ minutes }) {
  const [W, plotW] = useChartWidth();
  if (!minutes) return html`<div class="chart chart-placeholder" aria-busy="true"></div>`;
  const values = minutes.flatMap((m) => [m.p50_ms, m.p99_ms]).filter((v) => v != null);
  const max = niceMax(Math.max(1, ...values));
  const bw = plotW / minutes.length;
  // One path per run of minutes with attempts: a minute without any is a gap, not a zero.
  const line = (field) => {
    let d = '';
    let open = false;
    minutes.forEach((m, i) => {
      const v = m[field];
      if (v == null) {
        open = false;
        return;
      }
      const x = PAD.left + (i + 0.5) * bw;
      const yv = PAD.top + plotH - (v / max) * plotH;
      d += `${open ? 'L' : 'M'}${x.toFixed(1)},${yv.toFixed(1)}`;
      open = true;
    });
    return d;
  };
  const last = [...minutes].reverse().find((m) => m.p50_ms != null);
  const summary = last
    ? `Attempt latency: latest minute with attempts p50 ${ms(last.p50_ms)}, p99 ${ms(last.p99_ms)}.`
    : 'Attempt latency: no attempts in this window.';
  return html`
    <figure class="chart">
      <svg viewBox="0 0 ${W} ${H}" role="img" aria-label=${summary}>
        <${Axes} W=${W} plotW=${plotW} minutes=${minutes} max=${max} unit=${(t) => ms(Math.round(t))} />
        <path class="p99" d=${line('p99_ms')} />
        <path class="p50" d=${line('p50_ms')} />
        ${minutes.map((m, i) =>
          m.p50_ms == null
            ? null
            : html`<circle class="p99" cx=${PAD.left + (i + 0.5) * bw} cy=${PAD.top + plotH - (m.p99_ms / max) * plotH} r="2.5"><title>${clock(m.start)}: p50 ${ms(m.p50_ms)}, p99 ${ms(m.p99_ms)}</title></circle>`,
        )}
      </svg>
      <figcaption><span class="key p50"></span> p50 <span class="key p99"></span> p99</figcaption>
    </figure>`;
}
