// Counts the work an app has under way: calls into its grid and its payment gateway that have
// not settled. A client that hangs up never hears when its request is done; this tells a
// test when the app has finished every request it was sent.
import type { SeatGrid } from '@seatgrid/admission';
import type { PaymentGateway } from '../src/payment.ts';

export class WorkInFlight {
  #inFlight = 0;
  #started = 0;

  /** Calls under way now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Calls started so far. */
  get started(): number {
    return this.#started;
  }

  #track<T>(result: T): T {
    if (!(result instanceof Promise)) return result;
    this.#started++;
    this.#inFlight++;
    result.then(
      () => this.#inFlight--,
      () => this.#inFlight--,
    );
    return result;
  }

  /** The grid, its every method that answers a promise counted. */
  grid(grid: SeatGrid): SeatGrid {
    return new Proxy(grid, {
      get: (target, property) => {
        const value: unknown = Reflect.get(target, property, target);
        if (typeof value !== 'function') return value;
        // Called on the grid itself: its methods use private fields a proxy does not have.
        return (...args: unknown[]) => this.#track((value as (...a: unknown[]) => unknown).apply(target, args));
      },
    });
  }

  payment(payment: PaymentGateway): PaymentGateway {
    return { charge: (holdId, userId) => this.#track(payment.charge(holdId, userId)) };
  }
}
