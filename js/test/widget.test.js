// @vitest-environment jsdom
// The view against a fake model: what a user sees and what the view sends to the kernel.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import widget, { Audition, DISCONNECTED, PROGRESS_MS, Upload, checkFile, drawTimeline, formatDuration, rulerStep, waveformPath } from "../src/widget.js";

const { render } = widget;

class FakeModel {
  constructor(state) {
    this.state = {
      status: "ready",
      backend: "local engine · port 1234",
      session: "s_abc",
      credits: 100,
      media: [],
      messages: [],
      jobs: [],
      timeline: {},
      music: {},
      versions: [],
      canvas: {},
      exported: {},
      error: {},
      suggestions: ["generate a background music track that matches the mood of my video", "show tracks", "credits"],
      formats: ["mp4", "mov", "avi", "webm", "mkv", "jpg", "jpeg", "png", "gif", "webp", "mp3", "wav", "m4a", "aac"],
      max_bytes: 500 * 1024 * 1024,
      chunk_bytes: 4,
      window: 2,
      ...state,
    };
    this.handlers = new Map();
    this.sent = [];
  }
  get(name) {
    return this.state[name];
  }
  set(name, value) {
    this.state[name] = value;
    this.emit(`change:${name}`);
  }
  on(event, fn) {
    if (!this.handlers.has(event)) this.handlers.set(event, new Set());
    this.handlers.get(event).add(fn);
  }
  off(event, fn) {
    this.handlers.get(event)?.delete(fn);
  }
  emit(event, ...args) {
    for (const fn of this.handlers.get(event) || []) fn(...args);
  }
  send(content, _callbacks, buffers) {
    this.sent.push({ content, buffers: buffers || [] });
  }
  kernel(content, buffers = []) {
    this.emit("msg:custom", content, buffers);
  }
  kinds() {
    return this.sent.map((m) => m.content.kind);
  }
  listeners() {
    return [...this.handlers.values()].reduce((n, set) => n + set.size, 0);
  }
}

const flush = () => new Promise((resolve) => setTimeout(resolve, 0));
async function settle() {
  for (let i = 0; i < 10; i += 1) await flush();
}

let model;
let el;
let cleanup;
beforeEach(() => {
  model = new FakeModel();
  el = document.createElement("div");
  document.body.append(el);
  let n = 0;
  URL.createObjectURL = vi.fn(() => `blob:fake-${++n}`);
  URL.revokeObjectURL = vi.fn();
  cleanup = render({ model, el });
});
afterEach(() => {
  cleanup?.();
  el.remove();
});
const $ = (selector) => el.querySelector(selector);
const $$ = (selector) => [...el.querySelectorAll(selector)];
const viewId = () => model.sent.find((m) => m.content.kind === "hello").content.view;

describe("header", () => {
  it("shows connection status, backend and credits, and follows them", () => {
    model.set("status", "connecting");
    expect($(".nemo-status").textContent).toBe("Connecting…");
    model.set("status", "ready");
    expect($(".nemo-status").textContent).toBe("Ready");
    expect($(".nemo-backend").textContent).toBe("local engine · port 1234");
    expect($(".nemo-session").textContent).toBe("session s_abc");
    model.set("credits", 42);
    expect($(".nemo-credits").textContent).toBe("42 credits");
  });
  it("offers Reconnect when the backend is unreachable", () => {
    expect($(".nemo-reconnect").hidden).toBe(true);
    model.set("status", "error");
    expect($(".nemo-status").textContent).toBe("Backend unreachable");
    $(".nemo-reconnect").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "reconnect" });
  });
  it("says Disconnected and disables the controls when the kernel goes away", () => {
    model.emit("comm_live_update");
    expect($(".nemo-status").textContent).toBe(DISCONNECTED);
    expect($(".nemo-body").disabled).toBe(true);
    expect($(".nemo-reconnect").hidden).toBe(true);
    model.set("status", "ready"); // a stale update does not bring it back
    expect($(".nemo-status").textContent).toBe(DISCONNECTED);
  });
  it("exports default { render } for anywidget, returning a cleanup function", () => {
    expect(typeof widget.render).toBe("function");
    expect(typeof cleanup).toBe("function");
  });
});

describe("prompt", () => {
  it("sends a chip's text as a prompt", () => {
    const chip = $$(".nemo-chip").find((b) => b.textContent.startsWith("generate a background music"));
    chip.click();
    expect(model.sent.at(-1).content).toEqual({
      kind: "prompt",
      text: "generate a background music track that matches the mood of my video",
    });
    expect($$(".nemo-chip").map((b) => b.textContent)).toContain("credits");
    expect($$(".nemo-widget button").filter((b) => /export/i.test(b.textContent))).toHaveLength(1);
  });
  it("keeps every key inside the widget: JupyterLab's shortcuts never see them", () => {
    const seen = [];
    const spy = (event) => seen.push(event.key);
    document.addEventListener("keydown", spy);
    const box = $(".nemo-prompt");
    for (const key of ["Enter", "a", "b", "d", "Escape", "ArrowUp"]) {
      box.dispatchEvent(new KeyboardEvent("keydown", { key, shiftKey: key === "Enter", bubbles: true }));
    }
    document.removeEventListener("keydown", spy);
    expect(seen).toEqual([]);
    expect($(".nemo-widget").hasAttribute("data-lm-suppress-shortcuts")).toBe(true);
  });
  it("Escape leaves the prompt", () => {
    const box = $(".nemo-prompt");
    box.focus();
    expect(document.activeElement).toBe(box);
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Escape", bubbles: true }));
    expect(document.activeElement).not.toBe(box);
  });
  it("sends on Enter, keeps Shift+Enter for a new line", () => {
    const box = $(".nemo-prompt");
    box.value = "show tracks";
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", shiftKey: true, bubbles: true }));
    expect(model.kinds()).not.toContain("prompt");
    box.dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(model.sent.at(-1).content).toEqual({ kind: "prompt", text: "show tracks" });
    expect(box.value).toBe("");
    expect(box.getAttribute("aria-label")).toBe("Message to the agent");
  });
  it("appends streamed pieces to the reply's row instead of rebuilding the log", () => {
    model.set("messages", [{ id: "t1-user", role: "user", text: "hi" }, { id: "t1", role: "agent", text: "", streaming: true }]);
    const row = $(".nemo-msg-agent");
    expect(row.textContent).toBe("…");
    model.kernel({ kind: "reply-delta", id: "t1", text: "Hel" });
    model.kernel({ kind: "reply-delta", id: "t1", text: "lo" });
    expect(row.textContent).toBe("Hello");
    model.set("jobs", [{ id: "t1", kind: "turn", label: "hi", stage: "", fraction: null, note: "Still working…", queued: false }]);
    expect($(".nemo-job").textContent).toBe("hi: Still working…");
    model.set("messages", [{ id: "t1-user", role: "user", text: "hi" }, { id: "t1", role: "agent", text: "Hello there.", streaming: false }]);
    expect($(".nemo-msg-agent")).toBe(row); // the same element, updated in place
    expect($$(".nemo-msg").map((p) => p.textContent)).toEqual(["hi", "Hello there."]);
  });
  it("folds the agent's reasons under its reply as Why?, closed until opened", () => {
    model.set("messages", [{ id: "t1", role: "agent", text: "", streaming: true, why: ["ignored while streaming"] }]);
    expect($$(".nemo-why")).toHaveLength(0);
    const why = ["The clip is dark and slow, so the music is calm and minor.", "92 BPM puts 80% of the cuts on a beat."];
    model.set("messages", [{ id: "t1", role: "agent", text: "Here is a calm track.", streaming: false, why }]);
    const fold = $(".nemo-why");
    expect(fold.open).toBe(false);
    expect(fold.querySelector("summary").textContent).toBe("Why?");
    expect([...fold.querySelectorAll("li")].map((li) => li.textContent)).toEqual(why);
    expect($(".nemo-msg-agent").textContent).toBe("Here is a calm track."); // the reply stays short
    expect($(".nemo-msg-agent").nextElementSibling).toBe(fold);
    model.set("messages", [{ id: "t2", role: "agent", text: "Done.", streaming: false }]);
    expect($$(".nemo-why")).toHaveLength(0); // gone with its reply
  });
  it("shows a prompt sent during an export as queued, and the export's progress", () => {
    model.set("jobs", [
      { id: "e1", kind: "export", label: "Export", stage: "render", fraction: 0.5, note: "", queued: false },
      { id: "t2", kind: "turn", label: "calmer", stage: "", fraction: null, note: "", queued: true },
    ]);
    model.set("messages", [{ id: "t2-user", role: "user", text: "calmer", queued: true }]);
    expect($(".nemo-msg-user").textContent).toContain("queued");
    expect($$(".nemo-job").map((j) => j.textContent)).toEqual(["Export: Rendering 50%", "calmer: queued — waits for the work before it"]);
    expect($(".nemo-job progress").value).toBe(0.5);
    expect($(".nemo-export").disabled).toBe(true);
  });
});

function chooseFiles(files) {
  const input = $(".nemo-file-input");
  Object.defineProperty(input, "files", { value: files, configurable: true });
  input.dispatchEvent(new Event("change"));
}

describe("upload", () => {
  it("refuses an unsupported, empty or too large file before sending anything, on its own row", () => {
    expect(checkFile({ name: "a.txt", size: 1 }, model.get("formats"), 10).fix).toContain("mp4");
    expect(checkFile({ name: "a.mp4", size: 11 }, model.get("formats"), 10).fix).toContain("Trim or compress");
    expect(checkFile({ name: "a.mp4", size: 0 }, model.get("formats"), 10).message).toBe("a.mp4 is empty (0 bytes).");
    chooseFiles([new File(["x"], "notes.txt"), new File([], "empty.mp4")]);
    expect(model.kinds()).not.toContain("upload-start");
    const [txt, empty] = $$(".nemo-transfer");
    expect(txt.dataset.state).toBe("refused");
    expect(txt.textContent).toContain("notes.txt");
    expect(txt.querySelector(".nemo-transfer-reason").textContent).toContain("notes.txt: this file type is not supported. Supported formats: mp4");
    expect(empty.textContent).toContain("empty.mp4 is empty");
    expect($(".nemo-error")).toBeNull();
  });
  it("shows a file the backend refused as refused, with its name and reason — never done", () => {
    chooseFiles([new File(["not a video"], "notes.mp4")]);
    const id = model.sent.find((m) => m.content.kind === "upload-start").content.id;
    model.kernel({ kind: "upload-ready", id });
    model.kernel({ kind: "upload-ack", id, seq: 0, received: 4 });
    model.kernel({ kind: "upload-ack", id, seq: 1, received: 8 });
    model.kernel({ kind: "upload-ack", id, seq: 2, received: 11 });
    model.kernel({ kind: "upload-done", id, sha256: "x" });
    expect($(".nemo-transfer").dataset.state).toBe("checking");
    expect($(".nemo-transfer-state").textContent).toBe("checking…");
    model.kernel({ kind: "upload-result", id, name: "notes.mp4", ok: false, message: "notes.mp4: not a video.", fix: "Upload a video." });
    const row = $(".nemo-transfer");
    expect(row.dataset.state).toBe("refused");
    expect(row.textContent).not.toContain("done");
    expect(row.querySelector(".nemo-transfer-reason").textContent).toBe("notes.mp4: not a video. Upload a video.");
  });

  it("sends chunks with a window, follows acknowledgements and commits the batch", async () => {
    chooseFiles([new File(["0123456789"], "clip.mp4")]); // 10 bytes, 4-byte chunks, window 2
    const start = model.sent.find((m) => m.content.kind === "upload-start").content;
    expect(start).toMatchObject({ name: "clip.mp4", size: 10 });
    const id = start.id;
    model.kernel({ kind: "upload-ready", id });
    await settle();
    let chunks = model.sent.filter((m) => m.content.kind === "upload-chunk");
    expect(chunks.map((c) => c.content.seq)).toEqual([0, 1]); // window of two in flight
    expect(new TextDecoder().decode(chunks[0].buffers[0])).toBe("0123");
    expect(chunks[0].content.sha256).toMatch(/^[0-9a-f]{64}$/);
    model.kernel({ kind: "upload-ack", id, seq: 0, received: 4 });
    await settle();
    chunks = model.sent.filter((m) => m.content.kind === "upload-chunk");
    expect(chunks.map((c) => c.content.seq)).toEqual([0, 1, 2]);
    expect($(".nemo-transfer progress").value).toBe(0); // not at every acknowledgement...
    await new Promise((resolve) => setTimeout(resolve, PROGRESS_MS + 50));
    await new Promise((resolve) => requestAnimationFrame(resolve)); // ...but a few times a second
    expect($(".nemo-transfer progress").value).toBeCloseTo(0.4);
    expect($(".nemo-transfer-state").textContent).toBe("40%");
    model.kernel({ kind: "upload-ack", id, seq: 1, received: 8 });
    model.kernel({ kind: "upload-ack", id, seq: 2, received: 10 });
    model.kernel({ kind: "upload-done", id, sha256: "x" });
    expect(model.sent.at(-1).content).toEqual({ kind: "upload-commit", ids: [id] });
    expect($(".nemo-transfer").dataset.state).toBe("checking");
    model.kernel({ kind: "upload-result", id, name: "clip.mp4", ok: true });
    expect($(".nemo-transfer").dataset.state).toBe("added");
  });

  it("reads the file in large slices, cut into standalone chunks read ahead of the window", async () => {
    const file = new File(["abcdefghijklmnopqrst"], "clip.mp4"); // 20 bytes
    const slices = [];
    const slice = file.slice.bind(file);
    file.slice = (start, end) => {
      slices.push([start, end]);
      return slice(start, end);
    };
    const sent = [];
    const fake = { send: (content, _callbacks, buffers) => sent.push({ content, buffers }) };
    const up = new Upload(fake, file, "u1", { chunkBytes: 4, window: 2, readBytes: 9, onChange: () => {} });
    up.start();
    up.handle({ kind: "upload-ready", id: "u1" });
    await settle();
    const chunks = () => sent.filter((m) => m.content.kind === "upload-chunk");
    expect(chunks().map((c) => c.content.seq)).toEqual([0, 1]); // the window: two in flight
    expect(slices).toEqual([[0, 8], [8, 16]]); // 9 rounds down to two whole chunks; 2 and 3 read ahead
    for (let seq = 0; seq < 5; seq += 1) {
      up.handle({ kind: "upload-ack", id: "u1", seq, received: Math.min(20, 4 * (seq + 1)) });
      await settle();
    }
    expect(slices).toEqual([[0, 8], [8, 16], [16, 20]]);
    const bodies = chunks().map((c) => c.buffers[0]);
    expect(bodies.every((b) => b instanceof ArrayBuffer)).toBe(true); // not views of the slice
    expect(bodies.map((b) => new TextDecoder().decode(b))).toEqual(["abcd", "efgh", "ijkl", "mnop", "qrst"]);
    expect(chunks().map((c) => c.content.seq)).toEqual([0, 1, 2, 3, 4]);
    up.handle({ kind: "upload-done", id: "u1", sha256: "x" });
    expect(up.state).toBe("checking");
    expect(up.ahead).toEqual([]);
    expect(up.read).toBe(null);
  });

  it("can be cancelled", async () => {
    chooseFiles([new File(["0123456789"], "clip.mp4")]);
    const id = model.sent.find((m) => m.content.kind === "upload-start").content.id;
    $(".nemo-transfer button").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "upload-cancel", id });
    model.kernel({ kind: "upload-ready", id });
    await settle();
    expect(model.kinds()).not.toContain("upload-chunk");
  });

  it("opens the file chooser from the keyboard", () => {
    const input = $(".nemo-file-input");
    const click = vi.spyOn(input, "click");
    $(".nemo-drop").dispatchEvent(new KeyboardEvent("keydown", { key: "Enter", bubbles: true }));
    expect(click).toHaveBeenCalled();
  });
});

const VERSIONS = [
  { version: 1, label: "Acoustic · 96 BPM", style: "acoustic", tempo_bpm: 96, key: "D major", duration_s: 3, blob: "music-a", in_use: true },
  { version: 2, label: "Lofi · 80 BPM", style: "lofi", tempo_bpm: 80, key: "A minor", duration_s: 3, blob: "music-b", in_use: false },
];
const MUSIC = { label: "Acoustic · 96 BPM", version: 1, blob: "music-a", start_ms: 0, duration_ms: 3000, volume: 0.4, peaks: [0.2, 0.4], beats: [0, 0.625], cuts: [], video: "video-1", video_volume: 1 };

function pushBlob(key, mime, bytes, id = "b1") {
  const view = viewId();
  model.kernel({ kind: "blob-start", view, id, key, name: `${key}.bin`, mime, size: bytes.length });
  model.kernel({ kind: "blob-chunk", view, id, seq: 0 }, [new DataView(bytes.buffer)]);
  model.kernel({ kind: "blob-end", view, id, sha256: "ignored" });
}

describe("media, music and export", () => {
  it("lists uploads with a thumbnail and duration", () => {
    model.set("media", [{ key: "thumb-1", name: "beach.mp4", type: "video", duration: 75, width: 320, height: 240, thumb: true }]);
    expect(model.sent.at(-1).content).toEqual({ kind: "want", view: viewId(), keys: ["thumb-1"] });
    expect($(".nemo-media-facts").textContent).toBe("video · 1:15 · 320×240");
    pushBlob("thumb-1", "image/jpeg", new Uint8Array([0xff, 0xd8]));
    expect($(".nemo-thumb").getAttribute("src")).toMatch(/^blob:/);
    expect($(".nemo-thumb").getAttribute("alt")).toBe("First frame of beach.mp4");
    expect(model.sent.at(-1).content).toMatchObject({ kind: "blob-ack", seq: 0 });
  });

  it("auditions the music under the video: asks for both, plays them together", () => {
    model.set("canvas", { width: 1080, height: 1920, aspect: "9:16" });
    model.set("versions", VERSIONS);
    model.set("music", MUSIC);
    const want = model.sent.filter((m) => m.content.kind === "want").flatMap((m) => m.content.keys);
    expect(want).toEqual(expect.arrayContaining(["video-1", "music-a"]));
    pushBlob("video-1", "video/mp4", new Uint8Array([0, 0, 0, 0]), "b1");
    pushBlob("music-a", "audio/wav", new Uint8Array([82, 73, 70, 70]), "b2");
    expect($(".nemo-audition-video").getAttribute("src")).toMatch(/^blob:/);
    expect($(".nemo-audition-audio").getAttribute("src")).toMatch(/^blob:/);
    expect($(".nemo-frame").style.aspectRatio).toBe("1080 / 1920");
    expect($(".nemo-hearing").textContent).toBe("Hearing A: v1 Acoustic · 96 BPM");
    expect($(".nemo-canvas").textContent).toBe("1080×1920 · 9:16");
  });

  it("lists the versions with play, A/B and use-this-one", () => {
    model.set("versions", VERSIONS);
    model.set("music", MUSIC);
    const rows = $$(".nemo-version");
    expect(rows.map((r) => r.querySelector(".nemo-version-facts").textContent)).toEqual(["acoustic · 96 BPM · D major · 0:03", "lofi · 80 BPM · A minor · 0:03"]);
    expect(rows[0].textContent).toContain("in use");
    expect($(".nemo-ab").disabled).toBe(true);
    rows[1].querySelector(".nemo-hear").click(); // B: the other version under the same picture
    expect(model.sent.filter((m) => m.content.kind === "want").flatMap((m) => m.content.keys)).toContain("music-b");
    expect($(".nemo-hearing").textContent).toContain("Hearing B: v2");
    expect($(".nemo-ab").disabled).toBe(false);
    $(".nemo-ab").click();
    expect($(".nemo-hearing").textContent).toContain("Hearing A: v1");
    $$(".nemo-version")[1].querySelector(".nemo-use").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "use-music", version: 2 });
    model.set("timeline", { duration_ms: 3000, tracks: [{ kind: "video", name: "Video", segments: [{ start_ms: 0, duration_ms: 3000, label: "a.mp4", volume: 1, kind: "video" }] }] });
    $(".nemo-undo").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "undo" });
  });

  it("ignores blobs meant for another view and incomplete ones", () => {
    model.kernel({ kind: "blob-start", view: "other", id: "z", key: "music-a", mime: "audio/wav", size: 1 });
    expect(model.kinds()).not.toContain("blob-ack");
    const view = viewId();
    model.set("versions", VERSIONS);
    model.set("music", MUSIC);
    model.kernel({ kind: "blob-start", view, id: "b2", key: "music-a", name: "m", mime: "audio/wav", size: 5 });
    model.kernel({ kind: "blob-end", view, id: "b2", sha256: "" });
    expect($(".nemo-audition-audio").getAttribute("src")).toBeNull();
  });

  it("export ends in a video player and a download link", () => {
    expect($(".nemo-export").disabled).toBe(true); // nothing on the timeline yet
    model.set("timeline", { duration_ms: 3000, tracks: [{ kind: "video", name: "Video", segments: [{ start_ms: 0, duration_ms: 3000, label: "a.mp4", volume: 1, kind: "video" }] }] });
    $(".nemo-export").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "export" });
    model.set("exported", { name: "out.mp4", size_bytes: 2048, duration_s: 3, resolution: "1920x1080", key: "export-r1", summary: "Timeline (1 track): 1. Video" });
    expect($(".nemo-result").textContent).toContain("loading the preview");
    pushBlob("export-r1", "video/mp4", new Uint8Array(2048));
    expect($(".nemo-video").getAttribute("src")).toMatch(/^blob:/);
    const link = $(".nemo-download");
    expect(link.getAttribute("download")).toBe("out.mp4");
    expect(link.textContent).toBe("Download out.mp4 (1920x1080, 2 KB)");
    expect($(".nemo-rendered").textContent).toBe("Rendered from: Timeline (1 track): 1. Video");
  });
});

describe("timeline", () => {
  const timeline = {
    duration_ms: 10000,
    summary: "Timeline (3 tracks): …",
    tracks: [
      { kind: "video", name: "Video", segments: [{ start_ms: 0, duration_ms: 10000, label: "beach.mp4", volume: 1, kind: "video" }] },
      { kind: "audio", name: "BGM", role: "bgm", segments: [{ start_ms: 2500, duration_ms: 5000, label: "Lo-fi", volume: 0.35, kind: "music" }] },
      { kind: "text", name: "Title", segments: [{ start_ms: 0, duration_ms: 3000, label: "Hi", volume: 1, kind: "text" }] },
    ],
  };

  it("draws lanes with segments to scale, labels, volume and a ruler", () => {
    model.set("timeline", timeline);
    expect($$(".nemo-lane").map((l) => l.dataset.kind)).toEqual(["video", "audio", "text"]);
    const music = $(".nemo-lane[data-kind=audio] .nemo-segment");
    expect(music.style.left).toBe("25%");
    expect(music.style.width).toBe("50%");
    expect(music.textContent).toBe("Lo-fi · 35%");
    expect(music.getAttribute("aria-label")).toBe("BGM: Lo-fi, 2.5 to 7.5 seconds, volume 35%");
    expect($(".nemo-lane[data-kind=text] .nemo-segment").textContent).toBe("Hi");
    // each segment says its kind, which the style sheet colours as the plots do
    expect($$(".nemo-segment").map((s) => s.dataset.kind)).toEqual(["video", "music", "text"]);
    expect(music.classList.contains("nemo-kind-music")).toBe(true);
    expect($$(".nemo-tick").map((t) => t.textContent)).toEqual(["0:00", "0:01", "0:02", "0:03", "0:04", "0:05", "0:06", "0:07", "0:08", "0:09", "0:10"]);
  });

  it("draws the music's waveform, beats and cuts in the BGM lane", () => {
    model.set("timeline", timeline);
    model.set("music", { label: "Lo-fi", blob: "music-a", start_ms: 2500, peaks: [0.5, 1, 0.25], beats: [0, 1, 2], cuts: [4] });
    expect($(".nemo-lane[data-kind=audio] .nemo-wave path").getAttribute("d")).toBe(waveformPath([0.5, 1, 0.25]));
    expect($$(".nemo-lane[data-kind=audio] .nemo-beat").map((m) => m.style.left)).toEqual(["25%", "35%", "45%"]);
    expect($$(".nemo-lane[data-kind=video] .nemo-cut").map((m) => m.style.left)).toEqual(["40%"]);
  });

  it("draws the upload's thumbnail along the video lane", () => {
    model.set("media", [{ key: "thumb-1", name: "beach.mp4", type: "video", duration: 10, width: 320, height: 240, thumb: true }]);
    model.set("timeline", { ...timeline, tracks: [{ ...timeline.tracks[0], segments: [{ ...timeline.tracks[0].segments[0], thumb: "thumb-1" }] }] });
    expect($(".nemo-lane[data-kind=video] .nemo-segment").style.backgroundImage).toBe("");
    pushBlob("thumb-1", "image/jpeg", new Uint8Array([0xff, 0xd8]));
    const strip = $(".nemo-lane[data-kind=video] .nemo-segment");
    expect(strip.classList.contains("nemo-filmstrip")).toBe(true);
    expect(strip.style.backgroundImage).toMatch(/^url\("?blob:/);
  });

  it("spaces ruler labels by the width it has", () => {
    expect(rulerStep(60, 0)).toBe(10);
    expect(rulerStep(60, 530)).toBe(10); // 600 px: at most 9 labels, 56 px apart
    expect(rulerStep(60, 250)).toBe(15);
    expect(rulerStep(10, 1000)).toBe(1);
  });

  it("says so when empty", () => {
    const box = document.createElement("div");
    drawTimeline(box, { duration_ms: 0, tracks: [] });
    expect(box.textContent).toBe("The timeline is empty.");
    expect(formatDuration(61)).toBe("1:01");
  });
});

describe("audition sync", () => {
  it("the music follows the video: play, seek and drift", async () => {
    const video = document.createElement("video");
    const audio = document.createElement("audio");
    let videoTime = 0;
    Object.defineProperty(video, "currentTime", { get: () => videoTime, set: (v) => { videoTime = v; }, configurable: true });
    Object.defineProperty(video, "paused", { get: () => false, configurable: true });
    let audioPaused = true;
    Object.defineProperty(audio, "paused", { get: () => audioPaused, configurable: true });
    audio.play = vi.fn(async () => { audioPaused = false; });
    audio.pause = vi.fn(() => { audioPaused = true; });
    audio.src = "blob:fake-music";
    const sync = new Audition(video, audio, () => 1);
    videoTime = 0.5; // before the music starts
    video.dispatchEvent(new Event("play"));
    expect(audio.play).not.toHaveBeenCalled();
    videoTime = 3;
    video.dispatchEvent(new Event("timeupdate"));
    expect(audio.currentTime).toBeCloseTo(2);
    expect(audio.play).toHaveBeenCalled();
    audio.currentTime = 2.1; // within the tolerance: left alone
    videoTime = 3.05;
    video.dispatchEvent(new Event("timeupdate"));
    expect(audio.currentTime).toBeCloseTo(2.1);
    video.dispatchEvent(new Event("pause"));
    expect(audio.pause).toHaveBeenCalled();
    sync.dispose();
  });
});

describe("errors and cleanup", () => {
  it("shows an error with its fix and link, and can dismiss it", () => {
    model.set("error", {
      message: "No credits left.",
      fix: "Register to get more credits: https://nemovideo.com/register?bind=anon_1",
      link: "https://nemovideo.com/register?bind=anon_1",
    });
    expect($("[role=alert] strong").textContent).toBe("No credits left.");
    expect($("[role=alert] a").getAttribute("href")).toBe("https://nemovideo.com/register?bind=anon_1");
    $(".nemo-dismiss").click();
    expect(model.sent.at(-1).content).toEqual({ kind: "dismiss-error" });
  });

  it("the cleanup function removes the view and its listeners", () => {
    expect(model.listeners()).toBeGreaterThan(0);
    cleanup();
    cleanup = null;
    expect(el.children.length).toBe(0);
    expect(model.listeners()).toBe(0);
    expect(model.sent.at(-1).content).toEqual({ kind: "bye", view: viewId() });
  });
});
