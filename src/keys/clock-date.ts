/**
 * A `Date` that always reads an injected clock. The JWT claims validator takes a fixed
 * `currentDate`; handing it this object lets one precompiled verifier follow a test clock
 * instead of being rebuilt per call. Production clocks never need it.
 */
export class ClockDate extends Date {
  constructor(private readonly clock: () => number) {
    super(0);
  }
  override getTime(): number {
    return this.clock();
  }
  override valueOf(): number {
    return this.clock();
  }
}
