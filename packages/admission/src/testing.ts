// @seatgrid/admission/testing: for tests and comparisons only. The naive strategy oversells
// on purpose (so an audit can be shown to catch it), and a winner fault makes PostgreSQL
// writes fail or vanish. Never in production.
import { buildSeatGrid, type ComparisonOptions, type SeatGrid } from './create-seat-grid.js';

export { comparisonStrategyNames, isComparisonStrategyName, type ComparisonStrategyName } from './strategies/strategy.js';
export type { WinnerFault } from './strategies/admission/winner-writer.js';
export type { ComparisonOptions } from './create-seat-grid.js';

/** createSeatGrid, with the naive strategy and the winner fault allowed. */
export function createSeatGridForTesting(options: ComparisonOptions): SeatGrid {
  return buildSeatGrid(options);
}
export { openStoreView, type StoreView } from './store-view.js';
export { createScratchDatabase, type ScratchDatabase } from './scratch-database.js';
