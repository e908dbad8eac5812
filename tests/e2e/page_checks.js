// Checks the browser test runs in the page, on the widget's own computed styles.
// Evaluated from tests/e2e/test_browser_widget.py as `(<this file>).name(args)`.
({
  // The contrast of every visible text of the widget, from the page's own computed colours:
  // the backgrounds of the text's ancestors are painted outermost first on a 1×1 canvas (so
  // translucent layers and color-mix() results blend as the browser draws them), then the
  // text's colour over them; WCAG's relative luminance gives the ratio. Disabled controls are
  // left out, as WCAG 1.4.3 does.
  contrast: (root) => {
  const canvas = document.createElement('canvas'); canvas.width = canvas.height = 1;
  const ctx = canvas.getContext('2d', {willReadFrequently: true});
  const pixel = () => Array.from(ctx.getImageData(0, 0, 1, 1).data).slice(0, 3);
  const lum = ([r, g, b]) => [r, g, b].map(v => { v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
    .reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
  const out = [];
  for (const el of root.querySelectorAll('*')) {
    const own = [...el.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim());
    if (!own.length || !el.getClientRects().length) continue;
    const style = getComputedStyle(el);
    if (style.visibility === 'hidden' || el.closest(':disabled')) continue;
    const layers = [];
    for (let node = el; node; node = node.parentElement) layers.push(getComputedStyle(node).backgroundColor);
    ctx.globalCompositeOperation = 'copy'; ctx.fillStyle = '#ffffff'; ctx.fillRect(0, 0, 1, 1);
    ctx.globalCompositeOperation = 'source-over';
    for (const color of layers.reverse()) { ctx.fillStyle = color; ctx.fillRect(0, 0, 1, 1); }
    const bg = pixel();
    ctx.fillStyle = style.color; ctx.fillRect(0, 0, 1, 1);
    const fg = pixel();
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    out.push({text: own.map(n => n.textContent.trim()).join(' ').slice(0, 40),
              cls: el.className && el.className.baseVal === undefined ? el.className : el.tagName,
              ratio: Math.round((a + 0.05) / (b + 0.05) * 100) / 100});
  }
  return out;
},

  // Pairs of visible text labels whose boxes overlap (neither containing the other), labels
  // reaching outside the widget, segments overflowing their lane, a widget that scrolls sideways.
  overlaps: (root) => {
  const labels = [...root.querySelectorAll('*')].filter(el =>
    [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim()) &&
    el.getClientRects().length && !el.closest('.nemo-log'));
  const box = root.getBoundingClientRect();
  const clash = [];
  const rects = labels.map(el => el.getBoundingClientRect());
  for (let i = 0; i < labels.length; i++) {
    const a = rects[i];
    if (a.right > box.right + 0.5 || a.left < box.left - 0.5) clash.push(['outside', labels[i].textContent.slice(0, 30)]);
    for (let j = i + 1; j < labels.length; j++) {
      if (labels[i].contains(labels[j]) || labels[j].contains(labels[i])) continue;
      const b = rects[j];
      const w = Math.min(a.right, b.right) - Math.max(a.left, b.left);
      const h = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
      if (w > 1 && h > 1) clash.push([labels[i].textContent.slice(0, 30), labels[j].textContent.slice(0, 30)]);
    }
  }
  const lanes = [...root.querySelectorAll('.nemo-lane-body')].flatMap(body => {
    const r = body.getBoundingClientRect();
    return [...body.querySelectorAll('.nemo-segment')].filter(s => s.getBoundingClientRect().right > r.right + 0.5)
      .map(s => ['segment overflows its lane', s.textContent]);
  });
  return [...clash, ...lanes, ...(root.scrollWidth > root.clientWidth + 1 ? [['widget scrolls sideways']] : [])];
},

  // Records, at every change of the widget, the export's progress rows and the queued prompts,
  // so the test can tell what was on screen during an export however quickly it ran.
  watchExport: () => {
  const seen = window.nemoSeen = {progress: [], queued: [], progressWhileQueued: false};
  const root = document.querySelector('.nemo-widget');
  new MutationObserver(() => {
    const bar = root.querySelector('.nemo-job[data-kind=export] progress');
    const job = root.querySelector('.nemo-job[data-kind=export]');
    const waiting = root.querySelector('.nemo-msg-user[data-queued=true]');
    if (bar && job) seen.progress.push(job.textContent);
    if (waiting) seen.queued.push(waiting.textContent);
    if (bar && waiting) seen.progressWhileQueued = true;
  }).observe(root, {subtree: true, childList: true, attributes: true, characterData: true});
},
})
