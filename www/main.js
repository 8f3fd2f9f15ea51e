// The page's glue. It loads the wasm module, calls App.frame from
// requestAnimationFrame, forwards clicks, changes, keys and pointer events to
// Rust, fetches the lesson texts Rust asks for, and publishes window.ddg.
// Every decision is made in Rust (src/web/).
import init, { App } from '../pkg/duckduckgoose.js';

function fail(error, what = 'could not start') {
  const panel = document.getElementById('panic');
  panel.textContent = `DuckDuckGoose ${what}: ${error}`;
  panel.hidden = false;
  console.error(error);
}
// A Rust panic in the page is a trap (scripts/build-page.sh builds with
// panic=immediate-abort): the page stops and says so, never silently.
const crashed = (error) => {
  if (error instanceof WebAssembly.RuntimeError) {
    fail(`${error.message}. Reload the page to start again; the seed and the actions you took replay the run in ddg, which names the fault`, 'crashed');
  }
};
window.addEventListener('error', (e) => crashed(e.error));
window.addEventListener('unhandledrejection', (e) => crashed(e.reason));

try {
  await init();
  const app = App.start();
  const canvas = document.getElementById('canvas');

  // A fetched file's text, or why not.
  const body = (r) => (r.ok ? r.text() : Promise.reject(new Error(`HTTP ${r.status}`)));
  // The keyboard help is fetched the first time it opens (www/help.html):
  // its `open` attribute is set.
  const help = document.getElementById('help-body');
  new MutationObserver((_, watch) => {
    watch.disconnect();
    fetch(new URL('www/help.html', document.baseURI)).then(body)
      .then((html) => { help.innerHTML = html; }, (e) => { help.textContent = String(e.message ?? e); });
  }).observe(help.parentElement, { attributeFilter: ['open'] });
  // Lessons are data in www/lessons/, fetched when one is opened (relative to
  // the page: the script itself is served minified from pkg/).
  const fetchLesson = (id) => fetch(new URL(`www/lessons/${id}.ddg`, document.baseURI))
    .then(body)
    .then((text) => app.lesson_arrived(id, text), (e) => app.lesson_failed(id, String(e.message ?? e)));
  // Live mode: Rust asks for streams and requests; lines and answers go back.
  let sources = [];
  const live = (want) => {
    const [verb, a, b] = want.split(' ');
    if (verb === 'CLOSE') {
      sources.forEach((s) => s.close());
      sources = [];
    } else if (verb === 'SSE') {
      const s = new EventSource(b);
      const line = (e) => app.live_line(+a, e.data);
      s.addEventListener('event', line);
      s.onmessage = line;
      s.onerror = () => app.live_broke(+a);
      sources.push(s);
    } else {
      fetch(a, { method: verb }).then((r) => r.text().then((t) => app.live_reply(a, r.status, t)))
        .catch((e) => app.live_reply(a, 0, String(e)));
    }
  };
  const frame = (t) => {
    app.frame(t);
    const lesson = app.lesson_to_fetch();
    if (lesson) fetchLesson(lesson);
    for (let w = app.live_want(); w; w = app.live_want()) live(w);
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
  // Sizes are read again only when the layout changes.
  const sizes = new ResizeObserver(() => app.relayout());
  for (const id of ['bar', 'canvas', 'timeline']) sizes.observe(document.getElementById(id));
  // Browsers stop animation frames in hidden tabs; Rust restarts its clock.
  document.addEventListener('visibilitychange', () => app.visibility(document.hidden));

  // Buttons carry a scenario line (data-line) or a page action (data-action).
  document.addEventListener('click', (e) => {
    const el = e.target.closest('[data-line], [data-action]');
    if (!el || el.disabled) return;
    e.preventDefault();
    if (el.dataset.line) app.press(el.dataset.line);
    else app.action(el.dataset.action);
  });
  document.addEventListener('change', (e) => {
    const el = e.target.closest('[data-control]');
    if (el) app.control(el.dataset.control, el.type === 'checkbox' ? String(el.checked) : el.value);
  });
  document.getElementById('in-speed').addEventListener('input', (e) => app.control('speed', e.target.value));
  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.target.closest('input, textarea, select')) return;
    if (e.target.closest('button') && (e.key === ' ' || e.key === 'Enter')) return;
    if (app.key(e.shiftKey && e.key === 'Tab' ? 'Shift+Tab' : e.key)) e.preventDefault();
  });
  for (const kind of ['down', 'move', 'up', 'leave']) {
    canvas.addEventListener(`pointer${kind}`, (e) => {
      const box = canvas.getBoundingClientRect();
      app.pointer(kind, e.clientX - box.left, e.clientY - box.top);
    });
  }

  const strip = document.getElementById('timeline');
  // The timeline is an ARIA slider: its keys are its own while it has focus.
  strip.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (app.timeline_key(e.key)) {
      e.preventDefault();
      e.stopPropagation();
    }
  });
  for (const kind of ['down', 'move', 'up', 'leave']) {
    strip.addEventListener(`pointer${kind}`, (e) => {
      if (kind === 'down') strip.setPointerCapture(e.pointerId);
      app.timeline_pointer(kind, e.clientX - strip.getBoundingClientRect().left);
    });
  }

  // Scenario files: picked, or dropped anywhere on the page.
  const open = async (file) => app.import(await file.text(), file.name);
  document.getElementById('import').addEventListener('change', (e) => {
    if (e.target.files[0]) open(e.target.files[0]);
    e.target.value = '';
  });
  document.getElementById('settings').addEventListener('submit', (e) => e.preventDefault());
  document.addEventListener('dragover', (e) => e.preventDefault());
  document.addEventListener('drop', (e) => {
    e.preventDefault();
    if (e.dataTransfer.files[0]) open(e.dataTransfer.files[0]);
  });
  window.addEventListener('hashchange', () => app.open_fragment(location.hash));

  // The JavaScript API, for lecture slides and automation (see README).
  window.ddg = {
    exec: (line) => app.exec(String(line)),
    status: () => app.status(),
    seek: (t_us) => app.seek(Number(t_us)),
    end: () => app.end(),
    script: () => app.script(),
    link: () => app.link(),
    memory: () => Array.from(app.memory()),
    frameTimes: () => Array.from(app.frame_times()),
    positions: () => Array.from(app.positions()),
    birdRadius: () => app.bird_sizes()[0],
    labelPx: () => app.bird_sizes()[1],
    frameParts: () => Array.from(app.frame_parts()),
  };
} catch (error) {
  fail(error);
}
