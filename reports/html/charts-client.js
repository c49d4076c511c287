// Runs in the report page: draws every <canvas data-chart="id"> from the embedded JSON
// (#report-data, key `charts`) with the inlined chart.js. Plain browser JavaScript, no network.
(() => {
  const data = JSON.parse(document.getElementById('report-data').textContent);
  const specs = data.charts || {};

  const group = (value, decimals) =>
    value.toLocaleString('en-US', { minimumFractionDigits: decimals, maximumFractionDigits: decimals });
  const plain = (v) => {
    const a = Math.abs(v);
    return group(v, a >= 100 || a === 0 ? 0 : a >= 10 ? 1 : 2);
  };
  const bytes = (v) => {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let size = v;
    let i = 0;
    while (Math.abs(size) >= 1024 && i < units.length - 1) {
      size /= 1024;
      i++;
    }
    return `${group(size, i === 0 ? 0 : 1)} ${units[i]}`;
  };
  const clock = (seconds) => {
    const s = Math.round(seconds);
    const sign = s < 0 ? '−' : '';
    const a = Math.abs(s);
    const h = Math.floor(a / 3600);
    const m = Math.floor((a % 3600) / 60);
    const ss = String(a % 60).padStart(2, '0');
    return h > 0 ? `${sign}${h}:${String(m).padStart(2, '0')}:${ss}` : `${sign}${m}:${ss}`;
  };
  const date = (epochSeconds) => new Date(epochSeconds * 1000).toISOString().slice(0, 16).replace('T', ' ');
  const formats = {
    elapsed: clock,
    date,
    'req/s': (v) => `${plain(v)} req/s`,
    ms: (v) => `${plain(v)} ms`,
    vus: (v) => `${group(v, 0)} VUs`,
    rate: (v) => `${group(v * 100, 2)} %`,
    percent: (v) => `${group(v, 1)} %`,
    bytes,
    'bytes/s': (v) => `${bytes(v)}/s`,
    count: (v) => plain(v),
    seconds: (v) => `${plain(v)} s`,
    none: (v) => plain(v),
  };
  const tick = {
    ...formats,
    'req/s': plain,
    ms: plain,
    vus: (v) => group(v, 0),
    seconds: plain,
  };
  const formatterOf = (spec, table) => {
    const f = table[spec.unit] || plain;
    return spec.suffix ? (v) => `${f(v)}${spec.suffix}` : f;
  };
  const format = (spec, v) => (v === null || v === undefined ? '—' : formatterOf(spec, formats)(v));

  // Clock-friendly tick steps (1 s … 1 h) so elapsed axes read 0:00, 5:00, 10:00.
  const clockSteps = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600];
  const clockStep = (span) => clockSteps.find((step) => span / step <= 10) || 43200;

  // Every chart on a time axis gets the same side-axis widths, so their time axes line up.
  const sideAxisWidth = 72;

  // Vertical markers and shaded bands, drawn under the data.
  const annotations = {
    id: 'reportAnnotations',
    beforeDatasetsDraw(chart, _args, options) {
      const { ctx, chartArea, scales } = chart;
      const x = scales.x;
      ctx.save();
      for (const band of options.bands || []) {
        const left = Math.max(chartArea.left, x.getPixelForValue(band.from));
        const right = Math.min(chartArea.right, x.getPixelForValue(band.to));
        if (right <= left) continue;
        ctx.fillStyle = 'rgba(0, 114, 178, 0.07)';
        ctx.fillRect(left, chartArea.top, right - left, chartArea.bottom - chartArea.top);
        ctx.fillStyle = '#35506b';
        ctx.font = '11px system-ui, sans-serif';
        ctx.fillText(band.label, left + 4, chartArea.top + 12);
      }
      for (const marker of options.markers || []) {
        const px = x.getPixelForValue(marker.x);
        if (px < chartArea.left || px > chartArea.right) continue;
        ctx.strokeStyle = '#c62828';
        ctx.setLineDash([5, 4]);
        ctx.lineWidth = 1.5;
        ctx.beginPath();
        ctx.moveTo(px, chartArea.top);
        ctx.lineTo(px, chartArea.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#c62828';
        ctx.font = 'bold 11px system-ui, sans-serif';
        const width = ctx.measureText(marker.label).width;
        const textX = px + 4 + width > chartArea.right ? px - 4 - width : px + 4;
        ctx.fillText(marker.label, textX, chartArea.top + 12);
      }
      ctx.restore();
    },
  };

  const axis = (spec, position, grid) => {
    const scale = {
      type: spec.labels ? 'category' : 'linear',
      position,
      stacked: !!spec.stacked,
      title: { display: !!spec.title, text: spec.title },
      grid: { drawOnChartArea: grid },
      ticks: { maxRotation: 0, autoSkipPadding: 12 },
    };
    // Bars on a number axis would otherwise shift the axis by half a bar.
    if (!spec.labels) scale.offset = false;
    if (spec.labels) scale.labels = spec.labels;
    else {
      const f = formatterOf(spec, tick);
      scale.ticks.callback = (v) => f(v);
    }
    if (spec.unit === 'elapsed' && spec.min !== undefined && spec.max !== undefined) {
      scale.ticks.stepSize = clockStep(spec.max - spec.min);
    }
    if (spec.min !== undefined) scale.min = spec.min;
    if (spec.max !== undefined) scale.max = spec.max;
    if (!spec.labels && spec.unit !== 'elapsed' && spec.unit !== 'date' && spec.min === undefined) {
      scale.beginAtZero = true;
    }
    return scale;
  };

  const toConfig = (spec) => {
    const categories = !!spec.x.labels;
    const datasets = spec.series.map((s, i) => {
      const color = s.color || '#374151';
      const type = s.type || 'line';
      const points = s.points.map(([x, y]) => (categories ? y : { x, y }));
      return {
        type: type === 'scatter' ? 'line' : type,
        label: s.label,
        data: points,
        yAxisID: s.axis || 'y',
        borderColor: color,
        backgroundColor: s.pointColors || (type === 'line' && !s.fill ? color : `${color}cc`),
        pointBackgroundColor: s.pointColors || color,
        pointBorderColor: s.pointColors || color,
        borderWidth: type === 'bar' ? 0 : s.dashed ? 1.25 : 1.75,
        borderDash: s.dashed ? [5, 4] : [],
        showLine: type !== 'scatter',
        pointRadius: type === 'scatter' ? 3.5 : spec.x.unit === 'elapsed' || s.points.length > 60 ? 0 : 2.5,
        pointHoverRadius: 4,
        fill: s.fill ? (s.stack ? 'stack' : 'origin') : false,
        stack: s.stack,
        hidden: !!s.hidden,
        spanGaps: false,
        order: type === 'line' ? 0 : 1 + i,
      };
    });
    const scales = { x: axis(spec.x, 'bottom', true), y: axis(spec.y, 'left', true) };
    if (spec.y1) scales.y1 = axis(spec.y1, 'right', false);
    const timeAxis = spec.x.unit === 'elapsed';
    if (timeAxis) {
      const fix = (scale) => {
        scale.width = sideAxisWidth;
      };
      scales.y.afterFit = fix;
      if (scales.y1) scales.y1.afterFit = fix;
    }
    const axisOf = (id) => (id === 'y1' && spec.y1 ? spec.y1 : spec.y);
    return {
      type: 'line',
      data: { datasets, labels: spec.x.labels },
      options: {
        animation: false,
        responsive: true,
        maintainAspectRatio: false,
        parsing: categories ? undefined : false,
        normalized: true,
        layout: { padding: { right: timeAxis && !spec.y1 ? sideAxisWidth : 0 } },
        interaction: { mode: categories ? 'index' : 'nearest', axis: 'x', intersect: false },
        scales,
        plugins: {
          legend: { position: 'bottom', labels: { boxWidth: 12, boxHeight: 12 } },
          tooltip: {
            callbacks: {
              title: (items) =>
                items.length === 0 ? '' : categories ? items[0].label : format(spec.x, items[0].parsed.x),
              label: (item) =>
                `${item.dataset.label}: ${format(axisOf(item.dataset.yAxisID), item.parsed.y)}`,
            },
          },
          reportAnnotations: { markers: spec.markers || [], bands: spec.bands || [] },
        },
      },
      plugins: [annotations],
    };
  };

  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.color = '#374151';
  Chart.defaults.borderColor = '#e5e7eb';

  let drawn = 0;
  const failures = [];
  document.querySelectorAll('canvas[data-chart]').forEach((canvas) => {
    const spec = specs[canvas.dataset.chart];
    if (!spec) {
      failures.push(canvas.dataset.chart);
      return;
    }
    new Chart(canvas, toConfig(spec));
    drawn++;
  });
  // Charts resize to the printed page width instead of keeping the screen width.
  window.addEventListener('beforeprint', () => {
    for (const chart of Object.values(Chart.instances)) chart.resize();
  });
  document.documentElement.dataset.chartsDrawn = String(drawn);
  if (failures.length) document.documentElement.dataset.chartsMissing = failures.join(',');
})();
