// What a buyer does with seats: hold the picked ones or the best N, confirm (the mock
// payment) or release, and join the waitlist of a sold-out event. The hold survives a reload:
// its id is kept in this browser and read back from the API, the countdown from its expiresAt.
import { ApiProblem, call, describeSeats, indexOf } from './api.js';
import { Countdown, forgetHold, saveHoldId, savedHoldId } from './hold-store.js';
import { FREE } from './seat-canvas.js';

const $ = (id) => document.getElementById(id);

/** What a refusal tells the buyer. */
function explain(error) {
  if (!(error instanceof ApiProblem)) return String(error);
  const problem = error.problem;
  switch (error.type) {
    case 'seats-taken':
      return `Too late: ${describeSeats(problem.takenSeats ?? [])} ${problem.takenSeats?.length === 1 ? 'was' : 'were'} just taken. Nothing was held.`;
    case 'not-enough-seats':
      return `Only ${problem.available} seats are left.`;
    case 'sold-out':
      return 'Sold out: every seat is taken.';
    case 'user-limit':
      return problem.detail ?? 'You hold as many seats as one buyer may.';
    case 'rate-limited':
      return 'Too many tries at once: wait a moment and try again.';
    case 'unauthenticated':
      return 'This server wants a signed-in user (a JWT); this page only speaks the X-User-Id demo identity.';
    default:
      return error.message;
  }
}

export class SeatActions {
  /** { map, currentEvent(), say(text), selectEvent(eventId), refresh() } */
  constructor(page) {
    this.page = page;
    this.hold = undefined;
    this.busy = false;
    this.countdown = new Countdown($('countdown'), () => void this.#checkExpired());
    $('confirm').addEventListener('click', () => void this.confirm());
    $('release').addEventListener('click', () => void this.release());
    $('join-waitlist').addEventListener('click', () => void this.joinWaitlist());
  }

  get holding() {
    return this.hold !== undefined || this.busy;
  }

  /** The hold kept from before a reload, if it still holds: resolves with its event's id. */
  async restore() {
    const holdId = savedHoldId();
    if (holdId === undefined) return undefined;
    try {
      const hold = await call('GET', `/holds/${holdId}`);
      if (hold.status === 'held') {
        this.#show(hold);
        return hold.eventId;
      }
      forgetHold();
      this.page.say(hold.status === 'expired' ? 'Your last hold expired; its seats went back.' : '');
    } catch (error) {
      // 404: not ours (another identity), or gone. Anything else: keep it for the next load.
      if (error instanceof ApiProblem && error.status === 404) forgetHold();
    }
    return undefined;
  }

  holdSelected() {
    const { map } = this.page;
    const seats = [...map.selected]
      .sort((a, b) => a - b)
      .map((index) => ({ row: Math.floor(index / map.cols) + 1, col: (index % map.cols) + 1 }));
    return this.#claim({ seats });
  }

  holdBest(quantity) {
    if (!Number.isInteger(quantity) || quantity < 1 || quantity > 100) {
      this.page.say('Ask for 1 to 100 seats.');
      return Promise.resolve();
    }
    return this.#claim({ quantity });
  }

  async confirm() {
    const hold = this.hold;
    if (hold === undefined) return;
    await this.#busy(async () => {
      const booking = await call('POST', `/holds/${hold.holdId}/confirm`);
      this.#clear();
      $('booking-text').textContent = `Booking ${booking.bookingId}: ${describeSeats(booking.seats)}. Paid and confirmed.`;
      $('booking-panel').hidden = false;
      this.page.say('');
    });
  }

  async release() {
    const hold = this.hold;
    if (hold === undefined) return;
    await this.#busy(async () => {
      await call('DELETE', `/holds/${hold.holdId}`);
      this.#clear();
      this.page.say('Released: the seats are free again.');
    });
  }

  async joinWaitlist() {
    const event = this.page.currentEvent();
    if (event === undefined) return;
    const answer = $('waitlist-answer');
    const quantity = Number($('quantity').value) || 1;
    try {
      const entry = await call('POST', `/events/${encodeURIComponent(event.id)}/waitlist`, { quantity });
      answer.textContent = `You are on the waitlist for ${quantity} seat${quantity === 1 ? '' : 's'}: number ${entry.position} in line (${entry.status}).`;
      answer.dataset.entryId = entry.entryId;
    } catch (error) {
      answer.textContent =
        error instanceof ApiProblem && error.status === 404 && error.type === 'not-found'
          ? 'The waitlist is not available on this server.'
          : explain(error);
    }
  }

  showWaitlist(show) {
    $('waitlist-panel').hidden = !show;
  }

  /** A new snapshot: mark the hold's seats again, and drop picks that are no longer free. */
  mapReloaded() {
    const { map } = this.page;
    this.#markMine();
    for (const index of [...map.selected]) if (map.stateAt(index) !== FREE) map.toggleSelected(index);
  }

  /** Seats changed: a pick someone else just took is dropped, with a word why. */
  seatsMoved(indices) {
    const { map } = this.page;
    const lost = indices.filter((index) => map.selected.has(index) && map.stateAt(index) !== FREE);
    for (const index of lost) map.toggleSelected(index);
    if (lost.length > 0) this.page.say(`Someone just took ${lost.length === 1 ? 'a seat' : `${lost.length} seats`} you had picked.`);
  }

  async #claim(body) {
    const event = this.page.currentEvent();
    if (event === undefined || this.holding) return;
    await this.#busy(async () => {
      // A retry of this very request (a lost answer) must not hold twice: the API answers the same.
      const hold = await call('POST', `/events/${encodeURIComponent(event.id)}/holds`, body, { 'idempotency-key': crypto.randomUUID() });
      this.page.map.clearSelected();
      this.#show({ ...hold, status: 'held' });
      this.page.say('');
    });
  }

  #show(hold) {
    this.hold = hold;
    saveHoldId(hold.holdId);
    $('hold-id').textContent = hold.holdId;
    $('hold-seats').textContent = describeSeats(hold.seats);
    $('hold-panel').hidden = false;
    $('booking-panel').hidden = true;
    $('countdown-note').textContent = '';
    this.countdown.start(hold.expiresAt);
    this.#markMine();
    this.page.refresh();
  }

  #clear() {
    this.hold = undefined;
    forgetHold();
    this.countdown.stop();
    $('hold-panel').hidden = true;
    this.page.map.setMine([]);
    this.page.refresh();
  }

  #markMine() {
    const { map } = this.page;
    const event = this.page.currentEvent();
    if (this.hold === undefined || event === undefined || this.hold.eventId !== event.id || !map.loaded) {
      map.setMine([]);
      return;
    }
    map.setMine(this.hold.seats.map((seat) => indexOf(seat, map.cols)));
  }

  async #checkExpired() {
    const hold = this.hold;
    if (hold === undefined) return;
    $('countdown-note').textContent = 'expired';
    const read = await call('GET', `/holds/${hold.holdId}`).catch(() => undefined);
    if (this.hold !== hold) return;
    if (read === undefined || read.status !== 'held') {
      this.#clear();
      this.page.say('Your hold expired: its seats are free again.');
    }
  }

  async #busy(work) {
    if (this.busy) return;
    this.busy = true;
    this.page.refresh();
    try {
      await work();
    } catch (error) {
      this.page.say(explain(error));
    } finally {
      this.busy = false;
      this.page.refresh();
    }
  }
}
