// The caller's current hold, kept in this browser so a reload finds it again: only its id is
// trusted from storage; everything else is read back from the API (GET /holds/:holdId).

const HOLD_KEY = 'seatgrid.hold';

export function savedHoldId() {
  const id = localStorage.getItem(HOLD_KEY);
  return id !== null && /^[A-Za-z0-9_-]{1,64}$/.test(id) ? id : undefined;
}

export function saveHoldId(holdId) {
  localStorage.setItem(HOLD_KEY, holdId);
}

export function forgetHold() {
  localStorage.removeItem(HOLD_KEY);
}

/** Milliseconds as m:ss (h:mm:ss past an hour); never negative. */
export function formatLeft(ms) {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor((total % 3600) / 60);
  const seconds = String(total % 60).padStart(2, '0');
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, '0')}:${seconds}` : `${minutes}:${seconds}`;
}

/** A countdown to `expiresAt` (ISO), ticking every second until stopped or run out. */
export class Countdown {
  constructor(element, onExpired) {
    this.element = element;
    this.onExpired = onExpired;
    this.timer = 0;
  }

  start(expiresAt) {
    this.stop();
    const end = Date.parse(expiresAt);
    this.element.dateTime = expiresAt;
    this.element.dataset.expiresAt = expiresAt;
    const tick = () => {
      const left = end - Date.now();
      this.element.textContent = formatLeft(left);
      if (left <= 0) {
        this.stop();
        this.onExpired();
      }
    };
    tick();
    this.timer = setInterval(tick, 1000);
  }

  stop() {
    clearInterval(this.timer);
    this.timer = 0;
  }
}
