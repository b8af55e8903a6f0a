// The seat map on a canvas. Up to 1,000 × 1,000 seats: the map is kept as one byte a seat,
// drawn once from a snapshot, and afterwards only the seats that change are repainted (once a
// frame, however many changes came in). Small seats are one pixel each, scaled up without
// blurring; seats big enough carry a pattern as well as a colour (stripes, cross, dot, frame).
import { paintCell, pixelColour } from './seat-paint.js';

export const FREE = 0;
export const HELD = 1;
export const SOLD = 2;
const CODES = { '.': FREE, H: HELD, S: SOLD };
export const STATE_NAMES = ['free', 'held', 'sold'];

/** Seats this size (CSS pixels) or more are drawn with patterns; smaller ones as pixels. */
const PATTERN_CELL = 6;
const MAX_CELL = 28;
const MAX_HEIGHT = 720;

export class SeatCanvas {
  constructor(canvas, cursor) {
    this.canvas = canvas;
    this.cursorBox = cursor;
    this.rows = 0;
    this.cols = 0;
    this.version = -1;
    this.states = new Uint8Array(0);
    this.counts = [0, 0, 0];
    /** Seat indices of the caller's own hold, and of the seats they picked. */
    this.mine = new Set();
    this.selected = new Set();
    this.cursor = 0;
    this.cell = 1;
    this.dirty = new Set();
    this.frame = 0;
    this.image = undefined;
  }

  get loaded() {
    return this.rows > 0;
  }

  /** A snapshot: the whole map, drawn afresh. */
  load(snapshot) {
    const { rows, cols, grid, version } = snapshot;
    const resized = rows !== this.rows || cols !== this.cols;
    this.rows = rows;
    this.cols = cols;
    this.version = version;
    this.states = new Uint8Array(rows * cols);
    this.counts = [0, 0, 0];
    for (let r = 0; r < rows; r++) {
      const line = grid[r];
      for (let c = 0; c < cols; c++) {
        const state = CODES[line[c]] ?? FREE;
        this.states[r * cols + c] = state;
        this.counts[state]++;
      }
    }
    if (resized) {
      this.cursor = 0;
      this.selected.clear();
    }
    this.#layout();
    this.#drawAll();
  }

  /** A change: only its seats are repainted. Returns the indices whose state moved. */
  apply(change) {
    if (!this.loaded || change.version <= this.version) return [];
    this.version = change.version;
    const moved = [];
    for (const { state, indices } of change.seats) {
      const next = CODES[state] ?? FREE;
      for (const index of indices) {
        if (index < 0 || index >= this.states.length) continue;
        const before = this.states[index];
        if (before === next) continue;
        this.counts[before]--;
        this.counts[next]++;
        this.states[index] = next;
        moved.push(index);
        this.#repaint(index);
      }
    }
    return moved;
  }

  setMine(indices) {
    const changed = new Set([...this.mine, ...indices]);
    this.mine = new Set(indices);
    for (const index of changed) this.#repaint(index);
  }

  toggleSelected(index) {
    if (this.selected.has(index)) this.selected.delete(index);
    else this.selected.add(index);
    this.#repaint(index);
  }

  clearSelected() {
    const was = [...this.selected];
    this.selected.clear();
    for (const index of was) this.#repaint(index);
  }

  stateAt(index) {
    return this.states[index];
  }

  /** The seat under a point of the page (a click), or undefined. */
  indexAt(clientX, clientY) {
    const box = this.canvas.getBoundingClientRect();
    if (!this.loaded || box.width === 0) return undefined;
    const col = Math.floor(((clientX - box.left) / box.width) * this.cols);
    const row = Math.floor(((clientY - box.top) / box.height) * this.rows);
    if (row < 0 || col < 0 || row >= this.rows || col >= this.cols) return undefined;
    return row * this.cols + col;
  }

  /** Moves the keyboard cursor by rows and columns, staying on the map. */
  moveCursor(dRow, dCol) {
    if (!this.loaded) return;
    const row = Math.min(this.rows - 1, Math.max(0, Math.floor(this.cursor / this.cols) + dRow));
    const col = Math.min(this.cols - 1, Math.max(0, (this.cursor % this.cols) + dCol));
    this.setCursor(row * this.cols + col);
  }

  setCursor(index) {
    this.cursor = index;
    this.placeCursor();
  }

  /** The cursor's frame over its seat, in the canvas's displayed (possibly scaled) size. */
  placeCursor() {
    if (!this.loaded) {
      this.cursorBox.hidden = true;
      return;
    }
    const width = this.canvas.clientWidth / this.cols;
    const height = this.canvas.clientHeight / this.rows;
    const row = Math.floor(this.cursor / this.cols);
    const col = this.cursor % this.cols;
    // A frame a few pixels around the seat, so it shows on a seat of any size and state.
    const margin = 3;
    this.cursorBox.style.left = `${col * width - margin}px`;
    this.cursorBox.style.top = `${row * height - margin}px`;
    this.cursorBox.style.width = `${width + 2 * margin}px`;
    this.cursorBox.style.height = `${height + 2 * margin}px`;
    this.cursorBox.hidden = false;
  }

  /** Chooses the seat size for the space there is; a map of tiny seats is one pixel a seat. */
  #layout() {
    const available = Math.max(200, this.canvas.parentElement?.parentElement?.clientWidth ?? 900) - 4;
    const fit = Math.min(available / this.cols, MAX_HEIGHT / this.rows);
    const cell = Math.max(1, Math.min(MAX_CELL, Math.floor(fit)));
    this.cell = cell;
    const pixels = cell < PATTERN_CELL;
    this.canvas.classList.toggle('pixels', pixels);
    if (pixels) {
      this.canvas.width = this.cols;
      this.canvas.height = this.rows;
      this.canvas.style.width = `${this.cols * cell}px`;
      this.canvas.style.height = `${this.rows * cell}px`;
      this.image = this.canvas.getContext('2d').createImageData(this.cols, this.rows);
    } else {
      this.canvas.width = this.cols * cell;
      this.canvas.height = this.rows * cell;
      this.canvas.style.width = `${this.cols * cell}px`;
      this.canvas.style.height = `${this.rows * cell}px`;
      this.image = undefined;
    }
  }

  #look(index) {
    const state = this.states[index];
    if (this.mine.has(index) && state !== FREE) return 'mine';
    if (state === FREE) return this.selected.has(index) ? 'selected' : 'free';
    return state === HELD ? 'held' : 'sold';
  }

  #drawAll() {
    this.dirty.clear();
    const context = this.canvas.getContext('2d');
    if (this.image !== undefined) {
      const data = this.image.data;
      for (let i = 0; i < this.states.length; i++) pixelColour(data, i * 4, this.#look(i));
      context.putImageData(this.image, 0, 0);
    } else {
      context.clearRect(0, 0, this.canvas.width, this.canvas.height);
      for (let i = 0; i < this.states.length; i++) this.#paintCell(context, i);
    }
    this.placeCursor();
  }

  #repaint(index) {
    if (!this.loaded) return;
    this.dirty.add(index);
    this.frame ||= requestAnimationFrame(() => this.#flush());
  }

  /** Paints the seats that changed since the last frame, and only them. */
  #flush() {
    this.frame = 0;
    const context = this.canvas.getContext('2d');
    if (this.image !== undefined) {
      let left = this.cols;
      let top = this.rows;
      let right = -1;
      let bottom = -1;
      for (const index of this.dirty) {
        pixelColour(this.image.data, index * 4, this.#look(index));
        const row = Math.floor(index / this.cols);
        const col = index % this.cols;
        left = Math.min(left, col);
        right = Math.max(right, col);
        top = Math.min(top, row);
        bottom = Math.max(bottom, row);
      }
      if (right >= 0) context.putImageData(this.image, 0, 0, left, top, right - left + 1, bottom - top + 1);
    } else {
      for (const index of this.dirty) this.#paintCell(context, index);
    }
    this.dirty.clear();
  }

  #paintCell(context, index) {
    const x = (index % this.cols) * this.cell;
    const y = Math.floor(index / this.cols) * this.cell;
    paintCell(context, x, y, this.cell, this.#look(index));
  }
}
