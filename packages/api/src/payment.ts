import { setTimeout as sleep } from 'node:timers/promises';
/** Charges for a hold. The mock succeeds with a configured probability after a delay. */
export interface PaymentGateway {
  charge(holdId: string, userId: string): Promise<boolean>;
}

export function mockPayment(successRate: number, delayMs: number, random: () => number = Math.random): PaymentGateway {
  return {
    async charge() {
      if (delayMs > 0) await sleep(delayMs);
      return random() < successRate;
    },
  };
}
