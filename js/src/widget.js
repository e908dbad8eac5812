// The NemoWidget view: upload, prompt, streamed replies, timeline preview, music and export.
//
// One plain ES module (anywidget loads a single module, so there is no bundler and no relative
// import). Sections, in order: formatting, file checks, the chunked upload (browser → kernel),
// the chunked blob receiver (kernel → browser), the timeline drawing, and the view itself.
// Bytes only travel in custom messages with binary buffers; traits hold small state only.

const STATUS_TEXT = {
  connecting: "Connecting…",
  ready: "Ready",
  busy: "Working…",
  error: "Not connected",
};

// --- formatting -------------------------------------------------------------------------------
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const m = Math.floor(total / 60);
  const s = String(total % 60).padStart(2, "0");
  return `${m}:${s}`;
}

export function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "class") node.className = value;
    else if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children) if (child) node.append(child);
  return node;
}

// --- file checks (before any byte is sent) ------------------------------------------------------
export function checkFile(file, formats, maxBytes) {
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  if (!file.name.includes(".") || !formats.includes(ext)) {
    return {
      message: `${file.name}: this file type is not supported.`,
      fix: `Supported formats: ${formats.filter((f) => f !== "jpeg").join(", ")}.`,
    };
  }
  if (file.size > maxBytes) {
    return {
      message: `${file.name} is ${formatBytes(file.size)}, over the ${formatBytes(maxBytes)} limit.`,
      fix: "Trim or compress the file, then upload it again.",
    };
  }
  return null;
}

async function sha256Hex(buffer) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return null; // not a secure context: the kernel still checks size and order
  const digest = new Uint8Array(await subtle.digest("SHA-256", new Uint8Array(buffer)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

export function asBytes(buffer) {
  if (buffer instanceof Uint8Array) return buffer;
  if (ArrayBuffer.isView(buffer)) {
    return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  }
  return new Uint8Array(buffer);
}

// --- upload: chunks with acknowledgements and a small window in flight --------------------------
export const PROGRESS_MS = 200; // how often an upload's bar moves, at most
export const READ_BYTES = 8 * 1024 * 1024;
// The file is read in slices of this size and cut into chunks in memory: every `file.slice()`
// read costs a blob registration and a round trip through the browser process (measured at
// ≈16 ms of the browser's main thread per read, whatever its size), so one read per 1 MiB chunk
// capped the upload; one per eight chunks does not. Chunks stay ≈1 MiB on the wire.

export class Upload {
  constructor(model, file, id, { chunkBytes, window, onChange, readBytes = READ_BYTES }) {
    this.model = model;
    this.file = file;
    this.id = id;
    this.chunkBytes = chunkBytes;
    this.window = window;
    this.onChange = onChange;
    // a whole number of chunks, so that no chunk spans two reads
    this.readBytes = chunkBytes * Math.max(1, Math.floor(readBytes / chunkBytes));
    this.chunks = Math.ceil(file.size / chunkBytes);
    this.sent = 0; // bytes handed to the websocket
    this.received = 0; // bytes the kernel acknowledged
    this.inFlight = 0;
    this.nextSeq = 0;
    this.ahead = []; // chunks read and hashed ahead of the window: promises of [bytes, sha256]
    this.read = null; // the current slice read: {index, start, bytes: Promise<ArrayBuffer>}
    this.state = "waiting"; // waiting → sending → done | error | cancelled
    this.error = null;
    this.startedAt = 0;
    this.transferMs = null;
    this.chain = Promise.resolve();
  }

  start() {
    this.startedAt = performance.now();
    this.model.send({ kind: "upload-start", id: this.id, name: this.file.name, size: this.file.size });
    this.onChange(this);
  }

  handle(msg) {
    if (this.state === "cancelled" || this.state === "error") return;
    if (msg.kind === "upload-ready") {
      this.state = "sending";
      this.pump();
    } else if (msg.kind === "upload-ack") {
      this.inFlight -= 1;
      this.received = msg.received;
      this.pump();
    } else if (msg.kind === "upload-done") {
      this.state = "done";
      this.transferMs = performance.now() - this.startedAt;
      this.release();
    } else if (msg.kind === "upload-error") {
      this.state = "error";
      this.error = { message: msg.message, fix: msg.fix, link: msg.link };
      this.release();
    }
    this.onChange(this);
  }

  // Chunk `seq` as its own ArrayBuffer (JupyterLab's serialiser copies a view's whole
  // underlying buffer, so a view into the slice would not do) and its SHA-256.
  prepare(seq) {
    const start = seq * this.chunkBytes;
    const end = Math.min(start + this.chunkBytes, this.file.size);
    const index = Math.floor(start / this.readBytes);
    if (!this.read || this.read.index !== index) {
      const from = index * this.readBytes;
      const bytes = this.file.slice(from, Math.min(from + this.readBytes, this.file.size)).arrayBuffer();
      this.read = { index, start: from, bytes };
    }
    const { start: from, bytes } = this.read;
    const ready = bytes.then(async (buffer) => {
      const piece = buffer.slice(start - from, end - from);
      return [piece, await sha256Hex(piece)];
    });
    ready.catch(() => {}); // a failure is reported once, when the chunk's turn to be sent comes
    return ready;
  }

  pump() {
    // Sends stay in order through one promise chain, since the kernel appends chunks in
    // sequence; the chunks after the window are read and hashed meanwhile, so that an
    // acknowledgement is answered with a send at once, not with a read.
    while (this.state === "sending" && this.inFlight < this.window && this.nextSeq < this.chunks) {
      const seq = this.nextSeq++;
      this.sent = Math.min((seq + 1) * this.chunkBytes, this.file.size);
      this.inFlight += 1;
      const ready = this.ahead.length ? this.ahead.shift() : this.prepare(seq);
      this.chain = this.chain
        .then(async () => {
          const [bytes, sha256] = await ready;
          if (this.state !== "sending") return;
          this.model.send({ kind: "upload-chunk", id: this.id, seq, sha256 }, undefined, [bytes]);
        })
        .catch((error) => this.fail(error));
    }
    while (this.state === "sending" && this.ahead.length < this.window && this.nextSeq + this.ahead.length < this.chunks) {
      this.ahead.push(this.prepare(this.nextSeq + this.ahead.length));
    }
    if (this.state === "sending" && this.file.size === 0 && this.nextSeq === 0) {
      this.nextSeq = 1;
      this.inFlight = 1;
      this.model.send({ kind: "upload-chunk", id: this.id, seq: 0, sha256: null }, undefined, [new ArrayBuffer(0)]);
    }
  }

  // The bytes read ahead are not needed any more (done, failed or cancelled).
  release() {
    this.ahead = [];
    this.read = null;
  }

  fail(error) {
    if (this.state !== "sending") return;
    this.state = "error";
    this.release();
    this.error = { message: `${this.file.name}: the file could not be read (${error}).`, fix: "Choose the file again." };
    this.model.send({ kind: "upload-cancel", id: this.id });
    this.onChange(this);
  }

  cancel() {
    if (this.state === "done" || this.state === "cancelled") return;
    this.state = "cancelled";
    this.release();
    this.model.send({ kind: "upload-cancel", id: this.id });
    this.onChange(this);
  }

  get fraction() {
    return this.file.size ? this.received / this.file.size : this.state === "done" ? 1 : 0;
  }
}

// --- kernel → browser: acknowledged chunks assembled into a Blob URL ------------------------------
export class BlobReceiver {
  constructor(model, view, onBlob) {
    this.model = model;
    this.view = view;
    this.onBlob = onBlob;
    this.pending = new Map();
    this.urls = new Map(); // key → {url, name, mime}
  }

  handle(msg, buffers) {
    if (msg.view !== this.view) return false;
    if (msg.kind === "blob-start") {
      this.pending.set(msg.id, { ...msg, parts: [], bytes: 0 });
    } else if (msg.kind === "blob-chunk") {
      const entry = this.pending.get(msg.id);
      if (!entry) return true;
      const bytes = asBytes(buffers[0]).slice();
      entry.parts.push(bytes);
      entry.bytes += bytes.byteLength;
      this.model.send({ kind: "blob-ack", view: this.view, id: msg.id, seq: msg.seq });
    } else if (msg.kind === "blob-end") {
      const entry = this.pending.get(msg.id);
      this.pending.delete(msg.id);
      if (!entry || entry.bytes !== entry.size) return true;
      const blob = new Blob(entry.parts, { type: entry.mime });
      const old = this.urls.get(entry.key);
      if (old) URL.revokeObjectURL(old.url);
      const item = { url: URL.createObjectURL(blob), name: entry.name, mime: entry.mime };
      this.urls.set(entry.key, item);
      this.onBlob(entry.key, item);
    } else if (msg.kind === "blob-cancel") {
      this.pending.delete(msg.id);
    } else {
      return false;
    }
    return true;
  }

  dispose() {
    for (const item of this.urls.values()) URL.revokeObjectURL(item.url);
    this.urls.clear();
    this.pending.clear();
  }
}

// --- the timeline preview -------------------------------------------------------------------------
function rulerStep(durationS) {
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300]) if (durationS / step <= 10) return step;
  return 600;
}

export function drawTimeline(container, timeline) {
  container.replaceChildren();
  const tracks = (timeline && timeline.tracks) || [];
  const durationMs = Math.max(1, (timeline && timeline.duration_ms) || 0);
  if (!tracks.length) {
    container.append(h("p", { class: "nemo-empty", text: "The timeline is empty." }));
    return;
  }
  const ruler = h("div", { class: "nemo-ruler", "aria-hidden": "true" });
  const step = rulerStep(durationMs / 1000);
  for (let t = 0; t <= durationMs / 1000 + 1e-6; t += step) {
    const tick = h("span", { class: "nemo-tick", text: formatDuration(t) });
    tick.style.left = `${((t * 1000) / durationMs) * 100}%`;
    ruler.append(tick);
  }
  container.append(ruler);
  for (const track of tracks) {
    const lane = h("div", {
      class: `nemo-lane nemo-lane-${track.kind}`,
      "data-kind": track.kind,
      role: "list",
      "aria-label": `${track.name} track`,
    });
    lane.append(h("span", { class: "nemo-lane-name", text: track.name }));
    const body = h("div", { class: "nemo-lane-body" });
    for (const seg of track.segments) {
      const start = seg.start_ms / 1000;
      const end = (seg.start_ms + seg.duration_ms) / 1000;
      const volume = track.kind === "text" ? "" : ` · ${Math.round(seg.volume * 100)}%`;
      const label = seg.label || seg.kind;
      const node = h(
        "div",
        {
          class: "nemo-segment",
          role: "listitem",
          title: `${label} (${start.toFixed(1)}–${end.toFixed(1)} s${volume})`,
          "aria-label": `${track.name}: ${label}, ${start.toFixed(1)} to ${end.toFixed(1)} seconds${
            volume ? `, volume ${Math.round(seg.volume * 100)}%` : ""
          }`,
        },
        h("span", { class: "nemo-segment-label", text: label }),
        volume ? h("span", { class: "nemo-segment-volume", text: `${Math.round(seg.volume * 100)}%` }) : null,
      );
      node.style.left = `${(seg.start_ms / durationMs) * 100}%`;
      node.style.width = `${Math.max(0.5, (seg.duration_ms / durationMs) * 100)}%`;
      body.append(node);
    }
    lane.append(body);
    container.append(lane);
  }
  if (timeline.summary) container.append(h("p", { class: "nemo-summary", text: timeline.summary }));
}

// --- the view -------------------------------------------------------------------------------------
function errorNode(error, onDismiss) {
  const fix = h("p", { class: "nemo-fix" });
  if (error.fix) {
    if (error.link && error.fix.includes(error.link)) {
      const [before, after] = error.fix.split(error.link);
      fix.append(before, h("a", { href: error.link, target: "_blank", rel: "noopener", text: error.link }), after);
    } else {
      fix.textContent = error.fix;
    }
  }
  return h(
    "div",
    { class: "nemo-error", role: "alert" },
    h("strong", { text: error.message }),
    error.fix ? fix : null,
    onDismiss ? h("button", { type: "button", class: "nemo-dismiss", "aria-label": "Dismiss the error", onclick: onDismiss, text: "×" }) : null,
  );
}

let counter = 0;
function newId(prefix) {
  counter += 1;
  const random = globalThis.crypto && globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID() : String(Math.random()).slice(2);
  return `${prefix}-${counter}-${random}`;
}

function render({ model, el }) {
  const view = newId("view");
  const uploads = new Map();
  const cleanups = [];
  const on = (event, fn) => {
    model.on(event, fn);
    cleanups.push(() => model.off(event, fn));
  };
  const formats = () => model.get("formats") || [];

  // skeleton
  const root = h("section", { class: "nemo-widget", "aria-label": "NemoVideo assistant" });
  const status = h("span", { class: "nemo-status", role: "status", "aria-live": "polite" });
  const backend = h("span", { class: "nemo-backend" });
  const credits = h("span", { class: "nemo-credits", "aria-label": "Credits" });
  const header = h("header", { class: "nemo-header" }, h("strong", { text: "NemoVideo" }), status, backend, credits);

  const input = h("input", {
    type: "file",
    multiple: true,
    class: "nemo-file-input",
    "aria-label": "Choose files to upload",
    accept: formats().map((f) => `.${f}`).join(","),
  });
  const chooseButton = h("button", { type: "button", class: "nemo-choose", text: "Choose files…", onclick: () => input.click() });
  const limits = h("p", { class: "nemo-limits" });
  const drop = h(
    "div",
    {
      class: "nemo-drop",
      role: "button",
      tabindex: "0",
      "aria-label": "Drop video, image or audio files here, or press Enter to choose files",
    },
    h("span", { text: "Drop video, image or audio files here, or " }),
    chooseButton,
    limits,
  );
  const transfers = h("ul", { class: "nemo-transfers", "aria-label": "Uploads in progress" });
  const media = h("ul", { class: "nemo-media", "aria-label": "Uploaded media" });
  const log = h("div", { class: "nemo-log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const working = h("p", { class: "nemo-working", "aria-live": "polite" });
  const activity = h("div", { class: "nemo-activity" });
  const errors = h("div", { class: "nemo-errors" });
  const chips = h("div", { class: "nemo-chips", role: "group", "aria-label": "Suggestions" });
  const prompt = h("textarea", { class: "nemo-prompt", rows: "2", "aria-label": "Message to the agent", placeholder: "Ask for music, edits or an export… (Enter sends)" });
  const sendButton = h("button", { type: "submit", class: "nemo-send", text: "Send" });
  const form = h("form", { class: "nemo-form" }, prompt, sendButton);
  const timeline = h("div", { class: "nemo-timeline", role: "group", "aria-label": "Timeline preview" });
  const music = h("div", { class: "nemo-music" });
  const exportButton = h("button", { type: "button", class: "nemo-export", text: "Export 1080p MP4", "aria-label": "Export the timeline as a 1080p MP4" });
  const result = h("div", { class: "nemo-result" });
  root.append(
    header,
    drop,
    input,
    transfers,
    media,
    h("h3", { text: "Timeline" }),
    timeline,
    music,
    log,
    working,
    activity,
    errors,
    chips,
    form,
    h("div", { class: "nemo-export-row" }, exportButton),
    result,
  );
  el.append(root);

  // header, limits, chips
  const drawHeader = () => {
    const s = model.get("status");
    status.textContent = STATUS_TEXT[s] || s;
    status.dataset.status = s;
    backend.textContent = model.get("backend") || "";
    const c = model.get("credits");
    credits.textContent = c >= 0 ? `${c} credits` : "– credits";
    const busy = s === "busy" || s === "connecting";
    exportButton.disabled = busy;
    sendButton.disabled = s === "connecting";
  };
  const drawLimits = () => {
    limits.textContent = `Formats: ${formats().filter((f) => f !== "jpeg").join(", ")} · up to ${formatBytes(model.get("max_bytes"))} per file`;
    input.setAttribute("accept", formats().map((f) => `.${f}`).join(","));
  };
  const send = (text) => {
    const value = text.trim();
    if (!value) return;
    model.send({ kind: "prompt", text: value });
  };
  const drawChips = () => {
    chips.replaceChildren(
      ...(model.get("suggestions") || []).map((text) =>
        h("button", { type: "button", class: "nemo-chip", text, onclick: () => send(text) }),
      ),
    );
  };

  // blobs (thumbnails, music, export)
  const receiver = new BlobReceiver(model, view, (key) => {
    if (key.startsWith("thumb-")) drawMedia();
    else if (key === "music") drawMusic();
    else if (key === "export") drawResult();
  });

  const drawMedia = () => {
    media.replaceChildren(
      ...(model.get("media") || []).map((item) => {
        const blob = receiver.urls.get(item.key);
        const picture = blob
          ? h("img", { src: blob.url, alt: `First frame of ${item.name}`, class: "nemo-thumb" })
          : h("span", { class: "nemo-thumb nemo-icon", "aria-hidden": "true", text: item.type === "audio" ? "♪" : item.type === "image" ? "🖼" : "🎞" });
        const facts = [item.type, item.duration ? formatDuration(item.duration) : null, item.width ? `${item.width}×${item.height}` : null].filter(Boolean).join(" · ");
        return h("li", { class: "nemo-media-item" }, picture, h("span", { class: "nemo-media-name", text: item.name }), h("span", { class: "nemo-media-facts", text: facts }));
      }),
    );
  };
  const drawMusic = () => {
    const info = model.get("music") || {};
    const blob = receiver.urls.get("music");
    music.replaceChildren();
    if (!info.label) return;
    music.append(h("p", { text: `♪ ${info.label}` }));
    if (blob) music.append(h("audio", { controls: true, src: blob.url, "aria-label": `Generated music: ${info.label}` }));
  };
  const drawResult = () => {
    const info = model.get("exported") || {};
    const blob = receiver.urls.get("export");
    result.replaceChildren();
    if (!info.name) return;
    if (!blob) {
      result.append(h("p", { text: `Exported ${info.name}; loading the preview…` }));
      return;
    }
    result.append(
      h("video", { controls: true, src: blob.url, class: "nemo-video", "aria-label": `Exported video ${info.name}` }),
      h("a", { href: blob.url, download: info.name, class: "nemo-download", text: `Download ${info.name} (${info.resolution}, ${formatBytes(info.size_bytes)})` }),
    );
  };
  const drawLog = () => {
    log.replaceChildren(
      ...(model.get("messages") || []).map((m) =>
        h("p", { class: `nemo-msg nemo-msg-${m.role}`, text: m.text || (m.role === "agent" ? "…" : "") }),
      ),
    );
    log.scrollTop = log.scrollHeight;
  };
  const drawWorking = () => {
    working.textContent = model.get("working") || "";
  };
  const drawActivity = () => {
    const a = model.get("activity") || {};
    activity.replaceChildren();
    if (!a.stage) return;
    const label = { upload: "Uploading", render: "Rendering", download: "Fetching the video" }[a.stage] || a.stage;
    activity.append(h("label", { text: `${label} ${Math.round(a.fraction * 100)}%` }), h("progress", { max: "1", value: String(a.fraction), "aria-label": label }));
  };
  const drawErrors = () => {
    const e = model.get("error") || {};
    errors.replaceChildren();
    if (e.message) errors.append(errorNode(e, () => model.send({ kind: "dismiss-error" })));
    for (const up of uploads.values()) if (up.error) errors.append(errorNode(up.error));
  };
  const shown = new Map(); // upload id → the state its row was drawn with
  const drawTransfers = () => {
    transfers.replaceChildren(
      ...[...uploads.values()]
        .map((up) => {
          shown.set(up.id, up.state);
          const row = h("li", { class: "nemo-transfer", "data-id": up.id, "data-state": up.state, "data-transfer-ms": up.transferMs === null ? null : String(Math.round(up.transferMs)) });
          row.append(h("span", { text: up.file.name }), h("progress", { max: "1", value: String(up.fraction), "aria-label": `Upload of ${up.file.name}` }), h("span", { class: "nemo-transfer-state", text: up.state === "sending" ? `${Math.round(up.fraction * 100)}%` : up.state }));
          if (up.state === "sending" || up.state === "waiting") {
            row.append(h("button", { type: "button", "aria-label": `Cancel the upload of ${up.file.name}`, text: "Cancel", onclick: () => up.cancel() }));
          }
          return row;
        }),
    );
  };

  // uploads
  let batch = [];
  const onUploadChange = (up) => {
    const row = transfers.querySelector(`[data-id="${up.id}"]`);
    if (row && shown.get(up.id) === up.state && up.state === "sending") {
      // An acknowledgement: move the bar only, a few times a second, in a frame. Acks come
      // 30+ times a second, and each DOM change costs the page a style, layout and paint pass
      // while it is busy sending.
      if (!row.pendingFrame) {
        row.pendingFrame = true;
        setTimeout(() => requestAnimationFrame(() => {
          row.pendingFrame = false;
          row.querySelector("progress").value = up.fraction;
          row.querySelector(".nemo-transfer-state").textContent = `${Math.round(up.fraction * 100)}%`;
        }), PROGRESS_MS);
      }
    } else {
      drawTransfers();
    }
    if (up.error) drawErrors();
    const open = batch.filter((u) => u.state === "waiting" || u.state === "sending");
    if (!open.length && batch.length) {
      const ids = batch.filter((u) => u.state === "done").map((u) => u.id);
      batch = [];
      if (ids.length) model.send({ kind: "upload-commit", ids });
    }
  };
  const addFiles = (files) => {
    const accepted = [];
    for (const file of files) {
      const problem = checkFile(file, formats(), model.get("max_bytes"));
      const up = new Upload(model, file, newId("up"), { chunkBytes: model.get("chunk_bytes"), window: model.get("window"), onChange: onUploadChange });
      uploads.set(up.id, up);
      if (problem) {
        up.state = "error";
        up.error = problem;
      } else {
        accepted.push(up);
      }
    }
    batch.push(...accepted);
    drawTransfers();
    drawErrors();
    for (const up of accepted) up.start();
  };

  // events
  const onCustom = (msg, buffers) => {
    if (receiver.handle(msg, buffers || [])) return;
    const up = uploads.get(msg.id);
    if (up) up.handle(msg);
  };
  on("msg:custom", onCustom);
  on("change:status", drawHeader);
  on("change:backend", drawHeader);
  on("change:credits", drawHeader);
  on("change:formats", drawLimits);
  on("change:max_bytes", drawLimits);
  on("change:suggestions", drawChips);
  on("change:media", drawMedia);
  on("change:messages", drawLog);
  on("change:working", drawWorking);
  on("change:activity", drawActivity);
  on("change:error", drawErrors);
  on("change:timeline", () => drawTimeline(timeline, model.get("timeline")));
  on("change:music", drawMusic);
  on("change:exported", drawResult);

  input.addEventListener("change", () => {
    addFiles([...input.files]);
    input.value = "";
  });
  drop.addEventListener("keydown", (event) => {
    if (event.target === drop && (event.key === "Enter" || event.key === " ")) {
      event.preventDefault();
      input.click();
    }
  });
  drop.addEventListener("dragover", (event) => {
    event.preventDefault();
    drop.classList.add("nemo-drag");
  });
  drop.addEventListener("dragleave", () => drop.classList.remove("nemo-drag"));
  drop.addEventListener("drop", (event) => {
    event.preventDefault();
    drop.classList.remove("nemo-drag");
    if (event.dataTransfer) addFiles([...event.dataTransfer.files]);
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    send(prompt.value);
    prompt.value = "";
  });
  prompt.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      send(prompt.value);
      prompt.value = "";
    }
  });
  exportButton.addEventListener("click", () => model.send({ kind: "export" }));

  drawHeader();
  drawLimits();
  drawChips();
  drawMedia();
  drawLog();
  drawWorking();
  drawActivity();
  drawErrors();
  drawTimeline(timeline, model.get("timeline"));
  drawMusic();
  drawResult();
  model.send({ kind: "hello", view });

  return () => {
    for (const up of uploads.values()) up.cancel();
    for (const undo of cleanups) undo();
    receiver.dispose();
    model.send({ kind: "bye", view });
    root.remove();
  };
}

export default { render };
