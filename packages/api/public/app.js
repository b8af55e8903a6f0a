// The buyer's page: choose an event, watch its seat map live, pick seats (pointer or
// keyboard) or ask for the best N, hold them with a countdown, confirm or release; join the
// waitlist when it is sold out. Plain ES modules, no build step.
import { ApiProblem, call, describeSeats, seatOf, userId } from './api.js';
import { LiveSeats } from './live-seats.js';
import { FREE, SeatCanvas, STATE_NAMES } from './seat-canvas.js';
import { SeatActions } from './seat-actions.js';

const $ = (id) => document.getElementById(id);

const ui = {
  select: $('event-select'),
  more: $('more-events'),
  info: $('event-info'),
  connection: $('connection'),
  canvas: $('seat-map'),
  cursor: $('cursor'),
  atCursor: $('seat-at-cursor'),
  summary: $('map-summary'),
  selection: $('selection'),
  holdSelected: $('hold-selected'),
  clearSelection: $('clear-selection'),
  holdBest: $('hold-best'),
  message: $('message'),
};

const map = new SeatCanvas(ui.canvas, ui.cursor);
let eventInfo;
let live;
let nextCursor = null;

const actions = new SeatActions({
  map,
  currentEvent: () => eventInfo,
  say: (text) => {
    ui.message.textContent = text;
  },
  selectEvent: (eventId) => chooseEvent(eventId),
  refresh: () => summarize(),
});

$('user-id').textContent = userId();

// --- events -----------------------------------------------------------------------------

async function loadEvents(cursor) {
  const page = await call('GET', `/events?limit=100${cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`}`);
  if (cursor === null) ui.select.replaceChildren(new Option('Choose an event…', ''));
  for (const event of page.events) {
    ui.select.append(new Option(`${event.name} (${event.rows} × ${event.cols})`, event.id));
  }
  nextCursor = page.nextCursor;
  ui.more.hidden = nextCursor === null;
  ui.select.disabled = false;
}

async function chooseEvent(eventId) {
  if (eventInfo?.id === eventId) return;
  live?.stop();
  live = undefined;
  eventInfo = undefined;
  map.clearSelected();
  ui.message.textContent = '';
  const url = new URL(location.href);
  if (eventId === '') {
    url.searchParams.delete('event');
    history.replaceState(null, '', url);
    refreshControls();
    return;
  }
  if (![...ui.select.options].some((option) => option.value === eventId)) ui.select.append(new Option(eventId, eventId));
  ui.select.value = eventId;
  url.searchParams.set('event', eventId);
  history.replaceState(null, '', url);
  try {
    eventInfo = await call('GET', `/events/${encodeURIComponent(eventId)}`);
  } catch (error) {
    ui.info.textContent = error instanceof ApiProblem && error.status === 404 ? 'No such event.' : error.message;
    return;
  }
  const limit = eventInfo.maxSeatsPerUser > 0 ? `, at most ${eventInfo.maxSeatsPerUser} seats a buyer` : '';
  ui.info.textContent = `${eventInfo.name}: ${eventInfo.rows} rows of ${eventInfo.cols} seats${limit}; holds last ${eventInfo.holdTtlSeconds} s.`;
  ui.canvas.setAttribute('aria-label', `Seat map of ${eventInfo.name}: ${eventInfo.rows} rows of ${eventInfo.cols} seats`);
  live = new LiveSeats(eventId, {
    onSnapshot: (snapshot) => {
      map.load(snapshot);
      actions.mapReloaded();
      summarize();
    },
    onChange: (change) => {
      const moved = map.apply(change);
      if (moved.length > 0) {
        actions.seatsMoved(moved);
        summarize();
      }
    },
    onStatus: (state, text) => {
      ui.connection.dataset.state = state;
      ui.connection.textContent = text;
    },
  });
  live.start();
  refreshControls();
}

ui.select.addEventListener('change', () => void chooseEvent(ui.select.value));
ui.more.addEventListener('click', () => void loadEvents(nextCursor));

// --- the map ----------------------------------------------------------------------------

function describeSeat(index) {
  const { row, col } = seatOf(index, map.cols);
  const state = map.stateAt(index);
  const whose = map.mine.has(index) && state !== FREE ? 'held by you' : STATE_NAMES[state];
  return `Row ${row}, seat ${col}: ${whose}${map.selected.has(index) ? ', selected' : ''}`;
}

function summarize() {
  if (!map.loaded) {
    refreshControls();
    return;
  }
  const [free, held, sold] = map.counts;
  const mine = [...map.mine].filter((index) => map.stateAt(index) !== FREE).length;
  Object.assign(ui.summary.dataset, {
    version: String(map.version),
    free: String(free),
    held: String(held),
    sold: String(sold),
    mine: String(mine),
  });
  ui.summary.textContent = `${free} free, ${held} held, ${sold} sold${mine > 0 ? ` (${mine} held by you)` : ''}.`;
  if (document.activeElement === ui.canvas) ui.atCursor.textContent = describeSeat(map.cursor);
  refreshControls();
}

function toggle(index) {
  if (map.stateAt(index) !== FREE) {
    ui.atCursor.textContent = `${describeSeat(index)}: only free seats can be picked.`;
    return;
  }
  map.toggleSelected(index);
  ui.atCursor.textContent = describeSeat(index);
  refreshControls();
}

const MOVES = {
  ArrowUp: [-1, 0],
  ArrowDown: [1, 0],
  ArrowLeft: [0, -1],
  ArrowRight: [0, 1],
  PageUp: [-10, 0],
  PageDown: [10, 0],
};

ui.canvas.addEventListener('keydown', (event) => {
  if (!map.loaded) return;
  const step = event.shiftKey ? 10 : 1;
  const move = MOVES[event.key];
  if (move !== undefined) {
    map.moveCursor(move[0] * (event.key.startsWith('Page') ? 1 : step), move[1] * step);
  } else if (event.key === 'Home') {
    map.moveCursor(0, -map.cols);
  } else if (event.key === 'End') {
    map.moveCursor(0, map.cols);
  } else if (event.key === ' ' || event.key === 'Enter') {
    toggle(map.cursor);
  } else {
    return;
  }
  event.preventDefault();
  ui.atCursor.textContent = describeSeat(map.cursor);
});

ui.canvas.addEventListener('focus', () => {
  map.placeCursor();
  if (map.loaded) ui.atCursor.textContent = describeSeat(map.cursor);
});

ui.canvas.addEventListener('click', (event) => {
  const index = map.indexAt(event.clientX, event.clientY);
  if (index === undefined) return;
  map.setCursor(index);
  toggle(index);
});

addEventListener('resize', () => map.placeCursor());

// --- controls ---------------------------------------------------------------------------

function refreshControls() {
  const ready = eventInfo !== undefined && map.loaded;
  const holding = actions.holding;
  const picked = [...map.selected].map((index) => seatOf(index, map.cols));
  ui.selection.textContent = picked.length === 0 ? 'No seats selected.' : `Selected: ${describeSeats(picked)}.`;
  ui.holdSelected.disabled = !ready || holding || picked.length === 0;
  ui.clearSelection.disabled = picked.length === 0;
  ui.holdBest.disabled = !ready || holding;
  actions.showWaitlist(ready && map.counts[FREE] === 0 && !holding);
}

ui.holdSelected.addEventListener('click', () => void actions.holdSelected());
ui.holdBest.addEventListener('click', () => void actions.holdBest(Number($('quantity').value)));
ui.clearSelection.addEventListener('click', () => {
  map.clearSelected();
  refreshControls();
});

// --- start ------------------------------------------------------------------------------

async function start() {
  try {
    await loadEvents(null);
  } catch (error) {
    ui.message.textContent = `The events could not be loaded: ${error.message}`;
  }
  const restored = await actions.restore();
  const wanted = restored ?? new URL(location.href).searchParams.get('event');
  if (wanted) await chooseEvent(wanted);
  document.body.dataset.ready = 'true';
}

void start();
