/**
 * Property tests with a time budget that cannot quietly shrink: every property runs up to
 * `runs` cases or until `seconds` have passed, and FAILS when the budget ran out before `minRuns`
 * cases passed (a busy machine must show up as a failure, not as a weaker test).
 *
 * Environment overrides, for a longer soak or a quick look: `FC_PROPERTY_SCALE=N` multiplies
 * `runs`, `minRuns` and `seconds` of every property by N (e.g. 0.2 or 5).
 */
import fc from "fast-check";

/** How much a property must and may run. */
export interface PropertyBudget {
  /** Cases to run when there is time (fast-check's numRuns). */
  runs: number;
  /** Cases that must have passed when the time budget ends; fewer is a failure. */
  minRuns: number;
  /** Time budget in seconds: cases after it are not started. */
  seconds: number;
  /** A fixed seed (to replay a failure: the report prints it). */
  seed?: number;
}

const SCALE = Number(process.env.FC_PROPERTY_SCALE ?? 1);

/** The budget with FC_PROPERTY_SCALE applied (runs and minRuns at least 1). */
export function scaled(b: PropertyBudget): PropertyBudget {
  if (!(SCALE > 0)) throw new Error(`FC_PROPERTY_SCALE must be a positive number (got ${process.env.FC_PROPERTY_SCALE})`);
  return {
    ...b,
    runs: Math.max(1, Math.round(b.runs * SCALE)),
    minRuns: Math.max(1, Math.round(b.minRuns * SCALE)),
    seconds: b.seconds * SCALE,
  };
}

/**
 * The vitest timeout for a property with this budget: the budget, plus `slack` seconds for the
 * case running when it ends and for shrinking a failure.
 */
export function testTimeout(b: PropertyBudget, slack = 60): number {
  return (scaled(b).seconds + slack) * 1000;
}

function check(details: fc.RunDetails<unknown>, b: PropertyBudget, started: number): void {
  if (details.interrupted || process.env.FC_PROPERTY_LOG) {
    const s = ((performance.now() - started) / 1000).toFixed(1);
    console.info(`property: ${details.numRuns} of ${b.runs} cases in ${s} s (minimum ${b.minRuns}, budget ${b.seconds} s)`);
  }
  if (details.failed) {
    const cause = details.errorInstance;
    const why = cause instanceof Error ? (cause.stack ?? cause.message) : String(cause);
    throw new Error(`${fc.defaultReportMessage(details) ?? "property failed"}\n\nGot error: ${why}`, { cause });
  }
  if (details.numRuns < b.minRuns) {
    throw new Error(
      `property ran only ${details.numRuns} of its minimum ${b.minRuns} cases within its ${b.seconds} s budget ` +
        `(seed ${details.seed}); the machine is too slow or busy for this budget, or each case got slower: ` +
        `make the cases cheaper, or raise the budget on purpose`,
    );
  }
}

/** Runs an async property within its budget (see the file comment). */
export async function assertAsyncProperty<Ts>(property: fc.IAsyncProperty<Ts>, budget: PropertyBudget): Promise<void> {
  const b = scaled(budget);
  const started = performance.now();
  const details = await fc.check(property, {
    numRuns: b.runs,
    interruptAfterTimeLimit: b.seconds * 1000,
    markInterruptAsFailure: false,
    ...(b.seed === undefined ? {} : { seed: b.seed }),
  });
  check(details as fc.RunDetails<unknown>, b, started);
}

/** Runs a synchronous property within its budget (see the file comment). */
export function assertProperty<Ts>(property: fc.IProperty<Ts>, budget: PropertyBudget): void {
  const b = scaled(budget);
  const started = performance.now();
  const details = fc.check(property, {
    numRuns: b.runs,
    interruptAfterTimeLimit: b.seconds * 1000,
    markInterruptAsFailure: false,
    ...(b.seed === undefined ? {} : { seed: b.seed }),
  });
  check(details as fc.RunDetails<unknown>, b, started);
}
