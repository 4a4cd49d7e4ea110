import type { Fault, Leftover } from './fault.js';

/** A seam where rules stack and are removed by id (the peer transport's, the store decorator's). */
export interface RuleSeam<R> {
  /** Applies a rule; returns its id. */
  add(rule: R): string;
  /** Removes it; idempotent. */
  remove(id: string): void;
  /** Ids of the rules in force. */
  active(): string[];
}

/** A fault that is one rule on an in-memory seam: inject adds it, revert removes it. */
export class SeamRuleFault<R> implements Fault {
  private ruleId: string | undefined;
  private readonly ruleIds: string[] = [];

  constructor(
    /** The spec's kind. */
    readonly kind: string,
    private readonly seam: RuleSeam<R>,
    private readonly rule: R,
    /** What it acts on. */
    readonly target: string,
    /** How hard. */
    readonly magnitude: Record<string, unknown>,
  ) {}

  get active(): boolean {
    return this.ruleId !== undefined;
  }

  async inject(): Promise<void> {
    if (this.ruleId) return;
    this.ruleId = this.seam.add(this.rule);
    this.ruleIds.push(this.ruleId);
  }

  async revert(): Promise<void> {
    if (this.ruleId) this.seam.remove(this.ruleId);
    this.ruleId = undefined;
  }

  // Rules live in the daemon's memory and die with it: a restarted daemon starts clean.
  leftovers(): Leftover[] {
    return [];
  }

  async verifyReverted(): Promise<string[]> {
    const active = new Set(this.seam.active());
    return this.ruleIds.filter((id) => active.has(id)).map((id) => `${this.kind} rule ${id} still in force`);
  }
}
