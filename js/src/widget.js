// @ts-check
// The NemoWidget view: upload, prompt, streamed replies, lanes with the music's waveform, an
// audition of the music under the picture, music versions, undo/redo, export.
//
// One plain ES module, type-checked through JSDoc (anywidget loads a single module; no bundler,
// no relative import). Sections, in order: the types of the traits and messages, formatting,
// file checks, the chunked upload (browser → kernel), the chunked blob receiver (kernel →
// browser), the timeline drawing, the audition, and the view itself.
// Bytes only travel in custom messages with binary buffers; traits hold small state only, and
// nothing is ever loaded from the backend's URL: every picture and sound is a Blob URL made
// from bytes the kernel sent.

// --- types ------------------------------------------------------------------------------------
/**
 * @typedef {{message: string, fix?: string, link?: string, offline?: boolean}} ErrorInfo
 * @typedef {{key: string, name: string, type: string, duration: number, width: number,
 *   height: number, thumb: boolean}} MediaItem
 * @typedef {{id: string, role: "user" | "agent" | "notice", text: string, queued?: boolean,
 *   streaming?: boolean, why?: string[]}} Message
 * @typedef {{id: string, kind: "connect" | "turn" | "export" | "upload", label: string,
 *   stage: string, fraction: number | null, note: string, queued: boolean}} Job
 * @typedef {{start_ms: number, duration_ms: number, label: string, volume: number,
 *   kind: string, thumb?: string}} Segment
 * @typedef {{kind: string, name: string, role?: string, segments: Segment[]}} Track
 * @typedef {{duration_ms: number, tracks: Track[], summary?: string}} Timeline
 * @typedef {{label?: string, version?: number, blob?: string, start_ms?: number,
 *   duration_ms?: number, volume?: number, peaks?: number[], beats?: number[], cuts?: number[],
 *   video?: string, video_volume?: number}} Music
 * @typedef {{version: number, label: string, style: string, tempo_bpm: number, key: string,
 *   duration_s: number, blob: string, in_use: boolean}} Version
 * @typedef {{width?: number, height?: number, aspect?: string}} Canvas
 * @typedef {{name?: string, size_bytes?: number, duration_s?: number, resolution?: string,
 *   key?: string, summary?: string}} Exported
 * @typedef {{
 *   status: "connecting" | "ready" | "busy" | "error", backend: string, session: string,
 *   credits: number, media: MediaItem[], messages: Message[], jobs: Job[], error: ErrorInfo | {},
 *   timeline: Timeline | {}, music: Music, versions: Version[], canvas: Canvas,
 *   exported: Exported, suggestions: string[], formats: string[], max_bytes: number,
 *   chunk_bytes: number, window: number
 * }} Traits
 *
 * Messages from the view to the kernel:
 * @typedef {{kind: "upload-start", id: string, name: string, size: number}
 *   | {kind: "upload-chunk", id: string, seq: number, sha256: string | null}
 *   | {kind: "upload-commit", ids: string[]} | {kind: "upload-cancel", id: string}
 *   | {kind: "prompt", text: string} | {kind: "undo"} | {kind: "redo"}
 *   | {kind: "use-music", version: number} | {kind: "export"} | {kind: "reconnect"}
 *   | {kind: "dismiss-error"} | {kind: "hello", view: string} | {kind: "bye", view: string}
 *   | {kind: "want", view: string, keys: string[]}
 *   | {kind: "blob-ack", view: string, id: string, seq: number}} ViewMessage
 * Messages from the kernel to the view:
 * @typedef {{kind: "upload-ready" | "upload-done", id: string, sha256?: string}
 *   | {kind: "upload-ack", id: string, seq: number, received: number}
 *   | {kind: "upload-error", id: string, message: string, fix?: string, link?: string}
 *   | {kind: "upload-result", id: string, name: string, ok: boolean, message?: string,
 *      fix?: string}
 *   | {kind: "reply-delta", id: string, text: string}
 *   | {kind: "blob-start", view: string, id: string, key: string, name: string, mime: string,
 *      size: number}
 *   | {kind: "blob-chunk", view: string, id: string, seq: number}
 *   | {kind: "blob-end", view: string, id: string, sha256: string}
 *   | {kind: "blob-cancel", view: string, id: string}} KernelMessage
 *
 * The part of anywidget's model this view uses.
 * @typedef {{
 *   get: <K extends keyof Traits>(name: K) => Traits[K],
 *   send: (content: ViewMessage, callbacks?: unknown, buffers?: ArrayBuffer[]) => void,
 *   on: (event: string, fn: (...args: any[]) => void) => void,
 *   off: (event: string, fn: (...args: any[]) => void) => void,
 * }} Model
 * @typedef {{url: string, name: string, mime: string}} BlobItem
 */

/** @type {Record<string, string>} */
const STATUS_TEXT = {
  connecting: "Connecting…",
  ready: "Ready",
  busy: "Working…",
  error: "Backend unreachable",
};
export const DISCONNECTED = "Disconnected — run the cell again";

// --- formatting -------------------------------------------------------------------------------
/** @param {number} seconds */
export function formatDuration(seconds) {
  const total = Math.max(0, Math.round(Number(seconds) || 0));
  const m = Math.floor(total / 60);
  const s = String(total % 60).padStart(2, "0");
  return `${m}:${s}`;
}

/** @param {number} bytes */
export function formatBytes(bytes) {
  const n = Number(bytes) || 0;
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(1)} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/**
 * A DOM element with attributes, listeners (`onclick` …) and children.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {...(Node | string | null | undefined | false)} children
 * @returns {HTMLElement}
 */
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
/**
 * Why a file is refused before any byte is sent, or null.
 * @param {{name: string, size: number}} file
 * @param {string[]} formats
 * @param {number} maxBytes
 * @returns {ErrorInfo | null}
 */
export function checkFile(file, formats, maxBytes) {
  const ext = (file.name.split(".").pop() || "").toLowerCase();
  if (!file.name.includes(".") || !formats.includes(ext)) {
    return {
      message: `${file.name}: this file type is not supported.`,
      fix: `Supported formats: ${formats.filter((f) => f !== "jpeg").join(", ")}.`,
    };
  }
  if (file.size === 0) {
    return { message: `${file.name} is empty (0 bytes).`, fix: "Choose the file again; it may not have been saved completely." };
  }
  if (file.size > maxBytes) {
    return {
      message: `${file.name} is ${formatBytes(file.size)}, over the ${formatBytes(maxBytes)} limit.`,
      fix: "Trim or compress the file, then upload it again.",
    };
  }
  return null;
}

/** @param {ArrayBuffer} buffer */
async function sha256Hex(buffer) {
  const subtle = globalThis.crypto && globalThis.crypto.subtle;
  if (!subtle) return null; // not a secure context: the kernel still checks size and order
  const digest = new Uint8Array(await subtle.digest("SHA-256", new Uint8Array(buffer)));
  return Array.from(digest, (b) => b.toString(16).padStart(2, "0")).join("");
}

/** @param {ArrayBuffer | ArrayBufferView} buffer */
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

/** What an upload's row says: the bytes' journey, then the backend's verdict. */
export const UPLOAD_TEXT = {
  waiting: "waiting",
  sending: "sending",
  checking: "checking…", // every byte is in the kernel; the backend has not answered yet
  added: "added",
  refused: "refused",
  cancelled: "cancelled",
};

/**
 * One file going to the kernel. States: waiting → sending → checking → added | refused
 * (or cancelled). "checking" means the kernel has every byte; only the backend's verdict
 * (`upload-result`) makes it "added" — a file the backend refuses is never shown as done.
 */
export class Upload {
  /**
   * @param {Model} model
   * @param {File} file
   * @param {string} id
   * @param {{chunkBytes: number, window: number, onChange: (up: Upload) => void, readBytes?: number}} options
   */
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
    /** @type {Promise<[ArrayBuffer, string | null]>[]} chunks read and hashed ahead of the window */
    this.ahead = [];
    /** @type {{index: number, start: number, bytes: Promise<ArrayBuffer>} | null} the current slice read */
    this.read = null;
    /** @type {keyof typeof UPLOAD_TEXT} */
    this.state = "waiting";
    /** @type {ErrorInfo | null} */
    this.error = null;
    this.startedAt = 0;
    /** @type {number | null} */
    this.transferMs = null;
    /** @type {Promise<void>} */
    this.chain = Promise.resolve();
  }

  start() {
    this.startedAt = performance.now();
    this.model.send({ kind: "upload-start", id: this.id, name: this.file.name, size: this.file.size });
    this.onChange(this);
  }

  /** @param {any} msg a kernel message about this upload */
  handle(msg) {
    if (this.state === "cancelled" || this.state === "refused" || this.state === "added") return;
    if (msg.kind === "upload-ready") {
      this.state = "sending";
      this.pump();
    } else if (msg.kind === "upload-ack") {
      this.inFlight -= 1;
      this.received = msg.received;
      this.pump();
    } else if (msg.kind === "upload-done") {
      this.state = "checking";
      this.transferMs = performance.now() - this.startedAt;
      this.release();
    } else if (msg.kind === "upload-error") {
      this.refuse({ message: msg.message, fix: msg.fix, link: msg.link });
    } else if (msg.kind === "upload-result") {
      if (msg.ok) this.state = "added";
      else this.refuse({ message: msg.message || `${this.file.name} was refused.`, fix: msg.fix });
    }
    this.onChange(this);
  }

  /** @param {ErrorInfo} error */
  refuse(error) {
    this.state = "refused";
    this.error = error;
    this.release();
  }

  /**
   * Chunk `seq` as its own ArrayBuffer (JupyterLab's serialiser copies a view's whole
   * underlying buffer, so a view into the slice would not do) and its SHA-256.
   * @param {number} seq
   * @returns {Promise<[ArrayBuffer, string | null]>}
   */
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
    /** @type {Promise<[ArrayBuffer, string | null]>} */
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
      const ready = this.ahead.shift() || this.prepare(seq);
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
  }

  /** The bytes read ahead are not needed any more (sent, refused or cancelled). */
  release() {
    this.ahead = [];
    this.read = null;
  }

  /** @param {unknown} error */
  fail(error) {
    if (this.state !== "sending") return;
    this.refuse({ message: `${this.file.name}: the file could not be read (${error}).`, fix: "Choose the file again." });
    this.model.send({ kind: "upload-cancel", id: this.id });
    this.onChange(this);
  }

  cancel() {
    if (this.state === "added" || this.state === "refused" || this.state === "cancelled") return;
    this.state = "cancelled";
    this.release();
    this.model.send({ kind: "upload-cancel", id: this.id });
    this.onChange(this);
  }

  get fraction() {
    if (this.state === "checking" || this.state === "added") return 1;
    return this.file.size ? this.received / this.file.size : 0;
  }

  /** The words on the row: the state, a percentage while sending, the reason when refused. */
  get text() {
    if (this.state === "sending") return `${Math.round(this.fraction * 100)}%`;
    return UPLOAD_TEXT[this.state];
  }
}

// --- kernel → browser: acknowledged chunks assembled into a Blob URL ------------------------------
export class BlobReceiver {
  /**
   * @param {Model} model
   * @param {string} view
   * @param {(key: string, item: BlobItem) => void} onBlob
   */
  constructor(model, view, onBlob) {
    this.model = model;
    this.view = view;
    this.onBlob = onBlob;
    /** @type {Map<string, {key: string, name: string, mime: string, size: number, parts: BlobPart[], bytes: number}>} */
    this.pending = new Map();
    /** @type {Map<string, BlobItem>} key → Blob URL */
    this.urls = new Map();
    /** @type {Set<string>} keys asked for (each once) */
    this.asked = new Set();
  }

  /**
   * Ask the kernel for the keys not asked for yet.
   * @param {(string | undefined | null)[]} keys
   */
  want(keys) {
    const fresh = /** @type {string[]} */ (keys.filter((k) => k && !this.asked.has(k)));
    if (!fresh.length) return;
    for (const key of fresh) this.asked.add(key);
    this.model.send({ kind: "want", view: this.view, keys: fresh });
  }

  /**
   * @param {any} msg
   * @param {(ArrayBuffer | ArrayBufferView)[]} buffers
   * @returns {boolean} whether the message was a blob message for this view
   */
  handle(msg, buffers) {
    if (msg.view !== this.view) return false;
    if (msg.kind === "blob-start") {
      this.pending.set(msg.id, { ...msg, parts: [], bytes: 0 });
    } else if (msg.kind === "blob-chunk") {
      const entry = this.pending.get(msg.id);
      if (!entry) return true;
      const bytes = asBytes(buffers[0]).slice();
      entry.parts.push(/** @type {Uint8Array<ArrayBuffer>} */ (bytes));
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

// --- the timeline -----------------------------------------------------------------------------------
export const MIN_TICK_PX = 56; // ruler labels ("10:00") never closer than this

/**
 * The ruler's step in seconds: a round number that keeps labels at least MIN_TICK_PX apart.
 * @param {number} durationS
 * @param {number} widthPx the ruler's width (0 when unknown: ten ticks at most)
 */
export function rulerStep(durationS, widthPx = 0) {
  const most = widthPx > 0 ? Math.max(1, Math.floor(widthPx / MIN_TICK_PX)) : 10;
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (durationS / step <= most) return step;
  return 1200;
}

/**
 * The waveform of the music as an SVG path over a [0, 1000] × [0, 100] box.
 * @param {number[]} peaks
 */
export function waveformPath(peaks) {
  if (!peaks.length) return "";
  const w = 1000 / peaks.length;
  return peaks.map((p, i) => {
    const half = Math.max(1, Math.min(1, p) * 48);
    return `M${(i * w).toFixed(1)} ${(50 - half).toFixed(1)}h${Math.max(1, w * 0.7).toFixed(1)}v${(2 * half).toFixed(1)}h${(-Math.max(1, w * 0.7)).toFixed(1)}z`;
  }).join("");
}

const SVG = "http://www.w3.org/2000/svg";

/**
 * Marks (beats, cuts) as thin lines in a lane, in seconds from the timeline's start.
 * @param {HTMLElement} body
 * @param {number[]} times
 * @param {number} durationMs
 * @param {string} cls
 */
function drawMarks(body, times, durationMs, cls) {
  for (const t of times) {
    const mark = h("span", { class: `nemo-mark ${cls}`, "aria-hidden": "true" });
    mark.style.left = `${Math.min(100, ((t * 1000) / durationMs) * 100)}%`;
    body.append(mark);
  }
}

/**
 * Draw the lanes: a ruler, one lane per track with its segments to scale; the BGM lane gets
 * the music's waveform with its beats, and the cuts are marked on the video and BGM lanes.
 * @param {HTMLElement} container
 * @param {Timeline | {}} timeline
 * @param {Music} [music]
 * @param {number} [widthPx] the container's width, to space the ruler's labels
 * @param {(key: string) => string | undefined} [picture] a thumbnail's Blob URL by key
 */
export function drawTimeline(container, timeline, music = {}, widthPx = 0, picture = () => undefined) {
  container.replaceChildren();
  const tl = /** @type {Timeline} */ (timeline || {});
  const tracks = tl.tracks || [];
  const durationMs = Math.max(1, tl.duration_ms || 0);
  if (!tracks.length) {
    container.append(h("p", { class: "nemo-empty", text: "The timeline is empty." }));
    return;
  }
  const ruler = h("div", { class: "nemo-ruler", "aria-hidden": "true" });
  const step = rulerStep(durationMs / 1000, Math.max(0, widthPx - LANE_NAME_PX));
  const last = Math.floor(durationMs / 1000 / step + 1e-6) * step;
  for (let t = 0; t <= durationMs / 1000 + 1e-6; t += step) {
    const tick = h("span", { class: "nemo-tick", text: formatDuration(t) });
    tick.style.left = `${((t * 1000) / durationMs) * 100}%`;
    // the first and last labels stay inside the ruler instead of spilling over its ends
    if (t === 0) tick.dataset.edge = "start";
    else if (t === last && t * 1000 >= durationMs - 1) tick.dataset.edge = "end";
    ruler.append(tick);
  }
  container.append(ruler);
  const cuts = music.cuts || [];
  for (const track of tracks) {
    const bgm = track.role === "bgm" || track.kind === "audio";
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
      const percent = Math.round(seg.volume * 100);
      const volume = track.kind === "text" ? "" : ` · ${percent}%`;
      const label = seg.label || seg.kind;
      const node = h(
        "div",
        {
          class: `nemo-segment nemo-kind-${seg.kind}`,
          "data-kind": seg.kind,
          role: "listitem",
          title: `${label} (${start.toFixed(1)}–${end.toFixed(1)} s${volume})`,
          "aria-label": `${track.name}: ${label}, ${start.toFixed(1)} to ${end.toFixed(1)} seconds${volume ? `, volume ${percent}%` : ""}`,
        },
      );
      if (bgm && music.peaks && music.peaks.length && music.label && label === music.label) {
        const svg = document.createElementNS(SVG, "svg");
        svg.setAttribute("class", "nemo-wave");
        svg.setAttribute("viewBox", "0 0 1000 100");
        svg.setAttribute("preserveAspectRatio", "none");
        svg.setAttribute("aria-hidden", "true");
        const path = document.createElementNS(SVG, "path");
        path.setAttribute("d", waveformPath(music.peaks));
        svg.append(path);
        node.append(svg);
      }
      const thumb = seg.thumb ? picture(seg.thumb) : undefined;
      if (thumb) {
        node.style.backgroundImage = `url("${thumb}")`;
        node.classList.add("nemo-filmstrip");
      }
      node.append(h("span", { class: "nemo-segment-label", text: volume ? `${label} · ${percent}%` : label }));
      node.style.left = `${(seg.start_ms / durationMs) * 100}%`;
      node.style.width = `${Math.max(0.5, (seg.duration_ms / durationMs) * 100)}%`;
      body.append(node);
    }
    if (bgm && music.beats) drawMarks(body, music.beats.map((b) => b + (music.start_ms || 0) / 1000), durationMs, "nemo-beat");
    if ((bgm || track.kind === "video") && cuts.length) drawMarks(body, cuts, durationMs, "nemo-cut");
    lane.append(body);
    container.append(lane);
  }
  const head = h("div", { class: "nemo-playhead", "aria-hidden": "true" });
  head.hidden = true;
  container.append(head);
}
const LANE_NAME_PX = 70;

/**
 * Move the playhead to `seconds` (hidden when null).
 * @param {HTMLElement} container
 * @param {number | null} seconds
 * @param {number} durationMs
 */
export function movePlayhead(container, seconds, durationMs) {
  const head = /** @type {HTMLElement | null} */ (container.querySelector(".nemo-playhead"));
  if (!head) return;
  head.hidden = seconds === null;
  if (seconds === null) return;
  const fraction = Math.max(0, Math.min(1, (seconds * 1000) / Math.max(1, durationMs)));
  head.style.left = `calc(${LANE_NAME_PX}px + (100% - ${LANE_NAME_PX}px) * ${fraction.toFixed(4)})`;
}

// --- the audition: the picture with the music under it, in sync -----------------------------------
/**
 * Start playing; a refusal (autoplay rules, no source yet) is not an error worth a message.
 * @param {HTMLMediaElement} media
 */
export function playSafely(media) {
  const started = media.play();
  if (started && typeof started.catch === "function") started.catch(() => {});
}

export const DRIFT_S = 0.15; // the music is moved back in step when it drifts further than this

/**
 * Keeps an <audio> (the music) in step with a <video> (the picture): play, pause, seek and
 * the rate follow the video; the music starts at its place on the timeline.
 */
export class Audition {
  /**
   * @param {HTMLVideoElement} video
   * @param {HTMLAudioElement} audio
   * @param {() => number} offsetS where the music starts on the timeline
   */
  constructor(video, audio, offsetS) {
    this.video = video;
    this.audio = audio;
    this.offsetS = offsetS;
    /** @type {[string, EventListener][]} */
    this.listeners = [
      ["play", () => this.sync(true)],
      ["pause", () => this.audio.pause()],
      ["seeked", () => this.sync(!this.video.paused)],
      ["timeupdate", () => this.sync(!this.video.paused)],
      ["ended", () => this.audio.pause()],
    ];
    for (const [name, fn] of this.listeners) video.addEventListener(name, fn);
  }

  /** Where the music should be now (seconds into the track). */
  target() {
    return this.video.currentTime - this.offsetS();
  }

  /** @param {boolean} playing */
  sync(playing) {
    const target = this.target();
    const inside = target >= 0 && (!this.audio.duration || target < this.audio.duration);
    if (!inside) {
      this.audio.pause();
      return;
    }
    if (Math.abs(this.audio.currentTime - target) > DRIFT_S) this.audio.currentTime = target;
    if (playing && this.audio.paused && this.audio.src) playSafely(this.audio);
    if (!playing && !this.audio.paused) this.audio.pause();
  }

  /** Switch the music (A/B) without losing the place. @param {string} url */
  setMusic(url) {
    const playing = !this.video.paused;
    this.audio.src = url;
    this.audio.currentTime = Math.max(0, this.target());
    if (playing) playSafely(this.audio);
  }

  dispose() {
    for (const [name, fn] of this.listeners) this.video.removeEventListener(name, fn);
    this.audio.pause();
  }
}

// --- the view -------------------------------------------------------------------------------------
/**
 * @param {ErrorInfo} error
 * @param {(() => void) | null} onDismiss
 */
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
/** @param {string} prefix */
function newId(prefix) {
  counter += 1;
  const random = globalThis.crypto && globalThis.crypto.randomUUID ? globalThis.crypto.randomUUID() : String(Math.random()).slice(2);
  return `${prefix}-${counter}-${random}`;
}

/** @param {{model: Model, el: HTMLElement}} context */
function render({ model, el }) {
  const view = newId("view");
  /** @type {Map<string, Upload>} */
  const uploads = new Map();
  /** @type {(() => void)[]} */
  const cleanups = [];
  /** @param {string} event @param {(...args: any[]) => void} fn */
  const on = (event, fn) => {
    model.on(event, fn);
    cleanups.push(() => model.off(event, fn));
  };
  const formats = () => model.get("formats") || [];
  let disconnected = false;

  // skeleton
  const root = h("section", { class: "nemo-widget", "aria-label": "NemoVideo assistant", "data-lm-suppress-shortcuts": "true", "data-p-suppress-shortcuts": "true" });
  const status = h("span", { class: "nemo-status", role: "status", "aria-live": "polite" });
  const backend = h("span", { class: "nemo-backend" });
  const session = h("span", { class: "nemo-session" });
  const reconnect = h("button", { type: "button", class: "nemo-reconnect", text: "Reconnect", onclick: () => model.send({ kind: "reconnect" }) });
  const credits = h("span", { class: "nemo-credits", "aria-label": "Credits" });
  const header = h("header", { class: "nemo-header" }, h("strong", { text: "NemoVideo" }), status, backend, session, reconnect, credits);
  const body = /** @type {HTMLFieldSetElement} */ (h("fieldset", { class: "nemo-body" }));

  const input = /** @type {HTMLInputElement} */ (h("input", {
    type: "file",
    multiple: true,
    class: "nemo-file-input",
    "aria-label": "Choose files to upload",
    accept: formats().map((f) => `.${f}`).join(","),
  }));
  const chooseButton = h("button", { type: "button", class: "nemo-choose", text: "Choose files…", onclick: () => input.click() });
  const limits = h("p", { class: "nemo-limits" });
  const drop = h(
    "div",
    { class: "nemo-drop", role: "button", tabindex: "0", "aria-label": "Drop video, image or audio files here, or press Enter to choose files" },
    h("span", { text: "Drop video, image or audio files here, or " }),
    chooseButton,
    limits,
  );
  const transfers = h("ul", { class: "nemo-transfers", "aria-label": "Uploads" });
  const media = h("ul", { class: "nemo-media", "aria-label": "Uploaded media" });
  const canvasBox = h("div", { class: "nemo-canvas" });
  const undoButton = h("button", { type: "button", class: "nemo-undo", text: "Undo", "aria-label": "Undo the last change of the timeline", onclick: () => model.send({ kind: "undo" }) });
  const redoButton = h("button", { type: "button", class: "nemo-redo", text: "Redo", "aria-label": "Redo the change undone last", onclick: () => model.send({ kind: "redo" }) });
  const timelineHead = h("div", { class: "nemo-timeline-head" }, h("h3", { text: "Timeline" }), canvasBox, h("span", { class: "nemo-spacer" }), undoButton, redoButton);
  const timeline = h("div", { class: "nemo-timeline", role: "group", "aria-label": "Timeline preview" });
  const audition = h("div", { class: "nemo-audition", role: "group", "aria-label": "Audition: the video with the music under it" });
  const versions = h("ul", { class: "nemo-versions", "aria-label": "Music versions" });
  const log = h("div", { class: "nemo-log", role: "log", "aria-live": "polite", "aria-label": "Conversation" });
  const jobs = h("div", { class: "nemo-jobs", "aria-live": "polite" });
  const errors = h("div", { class: "nemo-errors" });
  const chips = h("div", { class: "nemo-chips", role: "group", "aria-label": "Suggestions" });
  const prompt = /** @type {HTMLTextAreaElement} */ (h("textarea", { class: "nemo-prompt", rows: "2", "aria-label": "Message to the agent", placeholder: "Ask for music, edits or an export… (Enter sends, Shift+Enter: new line)" }));
  const sendButton = h("button", { type: "submit", class: "nemo-send", text: "Send" });
  const form = h("form", { class: "nemo-form" }, prompt, sendButton);
  const exportButton = /** @type {HTMLButtonElement} */ (h("button", { type: "button", class: "nemo-export", text: "Export 1080p MP4", "aria-label": "Export the timeline as a 1080p MP4" }));
  const result = h("div", { class: "nemo-result" });
  body.append(drop, input, transfers, media, timelineHead, timeline, audition, versions, log, jobs, errors, chips, form, h("div", { class: "nemo-export-row" }, exportButton), result);
  root.append(header, body);
  el.append(root);

  // Keys typed in the widget are the widget's: JupyterLab's shortcuts (Shift+Enter runs the
  // cell, A/B/D,D… in command mode) never see them.
  root.addEventListener("keydown", (event) => event.stopPropagation());

  // header, limits, chips
  const drawHeader = () => {
    const s = model.get("status");
    status.textContent = disconnected ? DISCONNECTED : STATUS_TEXT[s] || s;
    status.dataset.status = disconnected ? "disconnected" : s;
    backend.textContent = model.get("backend") || "";
    const id = model.get("session");
    session.textContent = id ? `session ${id}` : "";
    session.title = id ? `NemoWidget(session="${id}") returns to this session` : "";
    reconnect.hidden = disconnected || s !== "error";
    const c = model.get("credits");
    credits.textContent = c >= 0 ? `${c} credits` : "– credits";
    body.disabled = disconnected;
    sendButton.toggleAttribute("disabled", s === "connecting");
    const exporting = (model.get("jobs") || []).some((j) => j.kind === "export");
    exportButton.disabled = s === "connecting" || s === "error" || exporting || !hasTimeline();
    const idle = s === "ready" && hasTimeline();
    undoButton.toggleAttribute("disabled", !idle);
    redoButton.toggleAttribute("disabled", s !== "ready");
    root.classList.toggle("nemo-disconnected", disconnected);
  };
  const hasTimeline = () => {
    const tl = /** @type {Timeline} */ (model.get("timeline") || {});
    return (tl.tracks || []).some((t) => t.segments && t.segments.length);
  };
  const drawLimits = () => {
    limits.textContent = `Formats: ${formats().filter((f) => f !== "jpeg").join(", ")} · up to ${formatBytes(model.get("max_bytes"))} per file`;
    input.setAttribute("accept", formats().map((f) => `.${f}`).join(","));
  };
  /** @param {string} text */
  const send = (text) => {
    const value = text.trim();
    if (!value || disconnected) return;
    model.send({ kind: "prompt", text: value });
  };
  const drawChips = () => {
    chips.replaceChildren(...(model.get("suggestions") || []).map((text) => h("button", { type: "button", class: "nemo-chip", text, onclick: () => send(text) })));
  };

  // blobs (thumbnails, music, the audition's video, the export), asked for as they are drawn
  const receiver = new BlobReceiver(model, view, (key) => {
    if (key.startsWith("thumb-")) {
      drawMedia();
      redrawTimeline();
    }
    const music = model.get("music") || {};
    if (key === music.video || key === hearing.blob) drawAudition();
    if (key === (model.get("exported") || {}).key) drawResult();
  });

  const drawMedia = () => {
    const items = model.get("media") || [];
    receiver.want(items.filter((i) => i.thumb).map((i) => i.key));
    media.replaceChildren(
      ...items.map((item) => {
        const blob = receiver.urls.get(item.key);
        const picture = blob
          ? h("img", { src: blob.url, alt: `First frame of ${item.name}`, class: "nemo-thumb" })
          : h("span", { class: "nemo-thumb nemo-icon", "aria-hidden": "true", text: item.type === "audio" ? "♪" : item.type === "image" ? "🖼" : "🎞" });
        const facts = [item.type, item.duration ? formatDuration(item.duration) : null, item.width ? `${item.width}×${item.height}` : null].filter(Boolean).join(" · ");
        return h("li", { class: "nemo-media-item" }, picture, h("span", { class: "nemo-media-name", text: item.name }), h("span", { class: "nemo-media-facts", text: facts }));
      }),
    );
  };

  const drawCanvas = () => {
    const c = model.get("canvas") || {};
    canvasBox.replaceChildren();
    if (!c.width || !c.height) return;
    const box = h("span", { class: "nemo-canvas-frame", "aria-hidden": "true" });
    const scale = 22 / Math.max(c.width, c.height);
    box.style.width = `${Math.round(c.width * scale)}px`;
    box.style.height = `${Math.round(c.height * scale)}px`;
    canvasBox.append(box, h("span", { text: `${c.width}×${c.height} · ${c.aspect || ""}`, "aria-label": `Canvas ${c.width} by ${c.height}, ${c.aspect || ""}` }));
  };

  const redrawTimeline = () => {
    drawTimeline(timeline, model.get("timeline"), model.get("music") || {}, timeline.clientWidth, (key) => {
      const blob = receiver.urls.get(key);
      return blob ? blob.url : undefined;
    });
    if (player) movePlayhead(timeline, player.video.currentTime, timelineMs());
  };
  const timelineMs = () => /** @type {Timeline} */ (model.get("timeline") || {}).duration_ms || 0;

  // the audition: the video, the music under it, a play/pause button and a scrub bar; A/B
  /** @type {{blob: string, version: number, label: string}} the music being heard */
  let hearing = { blob: "", version: 0, label: "" };
  /** @type {{blob: string, version: number, label: string} | null} the other side of A/B */
  let other = null;
  /** @type {Audition | null} */
  let player = null;
  let frame = 0;
  const drawAudition = () => {
    const music = model.get("music") || {};
    if (!music.blob) {
      if (player) player.dispose();
      player = null;
      audition.replaceChildren();
      return;
    }
    if (!hearing.blob || !(model.get("versions") || []).some((v) => v.blob === hearing.blob)) {
      hearing = { blob: music.blob, version: music.version || 0, label: music.label || "" };
    }
    receiver.want([music.video, hearing.blob]);
    const picture = music.video ? receiver.urls.get(music.video) : null;
    const sound = receiver.urls.get(hearing.blob);
    if (!player || player.video.dataset.key !== music.video) {
      if (player) player.dispose();
      const c = model.get("canvas") || {};
      const video = /** @type {HTMLVideoElement} */ (h("video", { class: "nemo-audition-video", playsinline: true, preload: "auto", "aria-label": "The video, with the music under it" }));
      video.dataset.key = music.video || "";
      const audio = /** @type {HTMLAudioElement} */ (h("audio", { class: "nemo-audition-audio", preload: "auto" }));
      const frameBox = h("div", { class: "nemo-frame" }, video);
      if (c.width && c.height) {
        frameBox.style.aspectRatio = `${c.width} / ${c.height}`;
        frameBox.style.setProperty("--ratio", String(c.width / c.height));
      }
      const play = h("button", { type: "button", class: "nemo-play", text: "▶ Play", "aria-label": "Play the audition" });
      const scrub = /** @type {HTMLInputElement} */ (h("input", { type: "range", class: "nemo-scrub", min: "0", max: "0", step: "0.01", value: "0", "aria-label": "Position in the video" }));
      const clock = h("span", { class: "nemo-clock", text: "0:00 / 0:00" });
      const ab = h("button", { type: "button", class: "nemo-ab", text: "A/B", "aria-label": "Switch between the music in use (A) and the other version (B)" });
      const heard = h("span", { class: "nemo-hearing" });
      audition.replaceChildren(h("h3", { text: "Audition" }), frameBox, audio, h("div", { class: "nemo-transport" }, play, scrub, clock, ab, heard));
      player = new Audition(video, audio, () => ((model.get("music") || {}).start_ms || 0) / 1000);
      const tick = () => {
        if (!player) return;
        scrub.value = String(video.currentTime);
        clock.textContent = `${formatDuration(video.currentTime)} / ${formatDuration(video.duration || 0)}`;
        movePlayhead(timeline, video.currentTime, timelineMs());
        if (!video.paused) frame = requestAnimationFrame(tick);
      };
      play.addEventListener("click", () => (video.paused ? playSafely(video) : video.pause()));
      video.addEventListener("play", () => { play.textContent = "❚❚ Pause"; play.setAttribute("aria-label", "Pause the audition"); tick(); });
      video.addEventListener("pause", () => { play.textContent = "▶ Play"; play.setAttribute("aria-label", "Play the audition"); tick(); });
      video.addEventListener("loadedmetadata", () => { scrub.max = String(video.duration || 0); tick(); });
      video.addEventListener("seeked", tick);
      scrub.addEventListener("input", () => { video.currentTime = Number(scrub.value); });
      ab.addEventListener("click", () => switchAB());
      video.volume = Math.max(0, Math.min(1, music.video_volume ?? 1));
    }
    const video = player.video;
    const audio = player.audio;
    audio.volume = Math.max(0, Math.min(1, music.volume ?? 1));
    if (picture && video.getAttribute("src") !== picture.url) video.src = picture.url;
    if (sound && audio.getAttribute("src") !== sound.url) player.setMusic(sound.url);
    const heard = /** @type {HTMLElement} */ (audition.querySelector(".nemo-hearing"));
    const side = hearing.blob === music.blob ? "A" : "B";
    heard.textContent = `Hearing ${side}: v${hearing.version} ${hearing.label}${sound ? "" : " (loading…)"}`;
    const ab = /** @type {HTMLButtonElement} */ (audition.querySelector(".nemo-ab"));
    ab.disabled = !other;
  };
  /** @param {Version} v */
  const hear = (v) => {
    const music = model.get("music") || {};
    const now = { blob: v.blob, version: v.version, label: v.label };
    if (v.blob !== music.blob) other = now;
    hearing = now;
    drawAudition();
    drawVersions();
  };
  const switchAB = () => {
    const music = model.get("music") || {};
    if (!other) return;
    hearing = hearing.blob === music.blob ? other : { blob: music.blob || "", version: music.version || 0, label: music.label || "" };
    drawAudition();
    drawVersions();
  };

  const drawVersions = () => {
    const list = model.get("versions") || [];
    versions.replaceChildren();
    if (!list.length) return;
    versions.append(h("li", { class: "nemo-versions-title" }, h("h3", { text: "Music versions" })));
    for (const v of list) {
      const facts = [v.style, v.tempo_bpm ? `${v.tempo_bpm} BPM` : "", v.key, v.duration_s ? formatDuration(v.duration_s) : ""].filter(Boolean).join(" · ");
      const row = h("li", { class: "nemo-version", "data-version": String(v.version), "data-in-use": v.in_use ? "true" : "false" },
        h("span", { class: "nemo-version-name", text: `v${v.version}` }),
        h("span", { class: "nemo-version-facts", text: facts }),
        v.in_use ? h("span", { class: "nemo-badge", text: "in use" }) : null,
        h("button", { type: "button", class: "nemo-hear", text: hearing.blob === v.blob ? "Hearing" : "Play", "aria-label": `Play version ${v.version} under the video`, "aria-pressed": hearing.blob === v.blob ? "true" : "false", onclick: () => { hear(v); const p = player; if (p) playSafely(p.video); } }),
        v.in_use ? null : h("button", { type: "button", class: "nemo-use", text: "Use this one", "aria-label": `Use version ${v.version} as the background music`, onclick: () => model.send({ kind: "use-music", version: v.version }) }),
      );
      versions.append(row);
    }
  };

  const drawResult = () => {
    const info = model.get("exported") || {};
    receiver.want([info.key]);
    const blob = info.key ? receiver.urls.get(info.key) : null;
    result.replaceChildren();
    if (!info.name) return;
    if (!blob) {
      result.append(h("p", { text: `Exported ${info.name}; loading the preview…` }));
      return;
    }
    result.append(
      h("video", { controls: true, src: blob.url, class: "nemo-video", "aria-label": `Exported video ${info.name}` }),
      h("a", { href: blob.url, download: info.name, class: "nemo-download", text: `Download ${info.name} (${info.resolution}, ${formatBytes(info.size_bytes || 0)})` }),
    );
    if (info.summary) result.append(h("p", { class: "nemo-rendered", text: `Rendered from: ${info.summary}` }));
  };

  // the log: rows keyed by message id, appended and updated in place, never rebuilt
  /** @type {Map<string, HTMLElement>} */
  const rows = new Map();
  /** The "Why?" folds under agent replies, keyed like their rows. @type {Map<string, HTMLElement>} */
  const folds = new Map();
  const drawLog = () => {
    const messages = model.get("messages") || [];
    const keep = new Set(messages.map((m) => m.id));
    for (const [id, row] of rows) if (!keep.has(id)) { row.remove(); rows.delete(id); }
    for (const [id, fold] of folds) if (!keep.has(id)) { fold.remove(); folds.delete(id); }
    for (const m of messages) {
      let row = rows.get(m.id);
      if (!row) {
        row = h("p", { class: `nemo-msg nemo-msg-${m.role}`, "data-id": m.id });
        rows.set(m.id, row);
        log.append(row);
      }
      row.classList.toggle("nemo-queued", !!m.queued);
      row.dataset.queued = m.queued ? "true" : "false";
      const text = m.queued ? `${m.text} — queued: sent when the work before it is done` : m.text;
      if (m.streaming) {
        if (!row.textContent) row.textContent = "…";
      } else if (row.textContent !== (text || (m.role === "agent" ? "…" : ""))) {
        row.textContent = text || (m.role === "agent" ? "…" : "");
      }
      if (m.why && m.why.length && !m.streaming && !folds.has(m.id)) {
        // The agent's reasons, folded: the reply stays short, the curious can open it.
        const fold = h("details", { class: "nemo-why", "data-id": m.id },
          h("summary", { text: "Why?" }),
          h("ul", {}, ...m.why.map((reason) => h("li", { text: reason }))));
        row.after(fold);
        folds.set(m.id, fold);
      }
    }
    log.scrollTop = log.scrollHeight;
  };
  /** @param {{id: string, text: string}} msg */
  const appendDelta = (msg) => {
    const row = rows.get(msg.id);
    if (!row) return;
    if (row.textContent === "…") row.textContent = "";
    row.append(msg.text);
    log.scrollTop = log.scrollHeight;
  };

  const drawJobs = () => {
    const list = (model.get("jobs") || []).filter((j) => j.kind !== "connect");
    jobs.replaceChildren(
      ...list.map((j) => {
        const label = j.kind === "export" ? "Export" : j.kind === "upload" ? "Upload" : j.label.length > 40 ? `${j.label.slice(0, 40)}…` : j.label;
        const stage = /** @type {Record<string, string>} */ ({ upload: "Uploading", render: "Rendering", download: "Fetching the video" })[j.stage] || "";
        const words = j.queued ? "queued — waits for the work before it" : [stage, j.fraction !== null && j.fraction !== undefined ? `${Math.round(j.fraction * 100)}%` : "", j.note].filter(Boolean).join(" ") || "working…";
        const row = h("div", { class: "nemo-job", "data-kind": j.kind, "data-queued": j.queued ? "true" : "false" }, h("span", { class: "nemo-job-label", text: `${label}: ${words}` }));
        if (j.fraction !== null && j.fraction !== undefined && !j.queued) row.append(h("progress", { max: "1", value: String(j.fraction), "aria-label": `${label} progress` }));
        return row;
      }),
    );
    drawHeader();
  };
  const drawErrors = () => {
    const e = /** @type {ErrorInfo} */ (model.get("error") || {});
    errors.replaceChildren();
    if (e.message) errors.append(errorNode(e, () => model.send({ kind: "dismiss-error" })));
  };

  // uploads: each file its own row, with its own verdict
  /** @type {Map<string, string>} upload id → the state its row was drawn with */
  const shown = new Map();
  /** @param {Upload} up */
  const uploadRow = (up) => {
    shown.set(up.id, up.state);
    const row = h("li", { class: "nemo-transfer", "data-id": up.id, "data-state": up.state, "data-transfer-ms": up.transferMs === null ? null : String(Math.round(up.transferMs)) });
    row.append(h("span", { class: "nemo-transfer-name", text: up.file.name }));
    if (up.state !== "refused") row.append(h("progress", { max: "1", value: String(up.fraction), "aria-label": `Upload of ${up.file.name}` }));
    row.append(h("span", { class: "nemo-transfer-state", text: up.text }));
    if (up.state === "sending" || up.state === "waiting") {
      row.append(h("button", { type: "button", "aria-label": `Cancel the upload of ${up.file.name}`, text: "Cancel", onclick: () => up.cancel() }));
    }
    if (up.state === "refused" && up.error) {
      row.append(h("span", { class: "nemo-transfer-reason", role: "alert", text: [up.error.message, up.error.fix].filter(Boolean).join(" ") }));
    }
    return row;
  };
  const drawTransfers = () => {
    transfers.replaceChildren(...[...uploads.values()].map(uploadRow));
  };
  /** @type {Upload[]} */
  let batch = [];
  /** @param {Upload} up */
  const onUploadChange = (up) => {
    const row = /** @type {HTMLElement & {pendingFrame?: boolean} | null} */ (transfers.querySelector(`[data-id="${up.id}"]`));
    if (row && shown.get(up.id) === up.state && up.state === "sending") {
      // An acknowledgement: move the bar only, a few times a second, in a frame. Acks come
      // 30+ times a second, and each DOM change costs the page a style, layout and paint pass
      // while it is busy sending.
      if (!row.pendingFrame) {
        row.pendingFrame = true;
        setTimeout(() => requestAnimationFrame(() => {
          row.pendingFrame = false;
          const bar = /** @type {HTMLProgressElement | null} */ (row.querySelector("progress"));
          if (bar) bar.value = up.fraction;
          const words = row.querySelector(".nemo-transfer-state");
          if (words) words.textContent = up.text;
        }), PROGRESS_MS);
      }
    } else if (row) {
      row.replaceWith(uploadRow(up));
    } else {
      drawTransfers();
    }
    const open = batch.filter((u) => u.state === "waiting" || u.state === "sending");
    if (!open.length && batch.length) {
      const ids = batch.filter((u) => u.state === "checking").map((u) => u.id);
      batch = [];
      if (ids.length) model.send({ kind: "upload-commit", ids });
    }
  };
  /** @param {File[]} files */
  const addFiles = (files) => {
    const accepted = [];
    for (const file of files) {
      const problem = checkFile(file, formats(), model.get("max_bytes"));
      const up = new Upload(model, file, newId("up"), { chunkBytes: model.get("chunk_bytes"), window: model.get("window"), onChange: onUploadChange });
      uploads.set(up.id, up);
      if (problem) up.refuse(problem);
      else accepted.push(up);
    }
    batch.push(...accepted);
    drawTransfers();
    for (const up of accepted) up.start();
  };

  // events
  /** @param {any} msg @param {any[]} buffers */
  const onCustom = (msg, buffers) => {
    if (receiver.handle(msg, buffers || [])) return;
    if (msg.kind === "reply-delta") {
      appendDelta(msg);
      return;
    }
    const up = uploads.get(msg.id);
    if (up) up.handle(msg);
  };
  const onDisconnect = () => {
    disconnected = true;
    if (player) player.video.pause();
    drawHeader();
  };
  on("msg:custom", onCustom);
  on("comm_live_update", onDisconnect); // the kernel restarted or went away: this model is dead
  on("change:status", drawHeader);
  on("change:backend", drawHeader);
  on("change:session", drawHeader);
  on("change:credits", drawHeader);
  on("change:formats", drawLimits);
  on("change:max_bytes", drawLimits);
  on("change:suggestions", drawChips);
  on("change:media", drawMedia);
  on("change:messages", drawLog);
  on("change:jobs", drawJobs);
  on("change:error", drawErrors);
  on("change:timeline", () => { redrawTimeline(); drawHeader(); });
  on("change:canvas", () => { drawCanvas(); drawAudition(); });
  on("change:music", () => { redrawTimeline(); drawAudition(); drawVersions(); });
  on("change:versions", () => { drawAudition(); drawVersions(); });
  on("change:exported", drawResult);

  input.addEventListener("change", () => {
    addFiles([...(input.files || [])]);
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
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      send(prompt.value);
      prompt.value = "";
    } else if (event.key === "Escape") {
      prompt.blur();
    }
  });
  exportButton.addEventListener("click", () => model.send({ kind: "export" }));
  const resize = typeof ResizeObserver === "undefined" ? null : new ResizeObserver(() => redrawTimeline());
  if (resize) resize.observe(timeline);

  drawHeader();
  drawLimits();
  drawChips();
  drawMedia();
  drawCanvas();
  drawLog();
  drawJobs();
  drawErrors();
  redrawTimeline();
  drawAudition();
  drawVersions();
  drawResult();
  model.send({ kind: "hello", view });

  return () => {
    cancelAnimationFrame(frame);
    if (resize) resize.disconnect();
    if (player) player.dispose();
    for (const undo of cleanups) undo();
    receiver.dispose();
    if (!disconnected) {
      // a dead kernel cannot be told anything: its comm is gone
      for (const up of uploads.values()) up.cancel();
      model.send({ kind: "bye", view });
    }
    root.remove();
  };
}

export default { render };
