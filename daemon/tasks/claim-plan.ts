import type { AgentLauncher } from './launcher.js';

/** Free slots of a node: shared by process profiles, and per profile with capacity of its own. */
export interface SlotCapacity {
  /** Free `agents.slots` (also bounded by free memory). */
  sharedFree: number;
  /** Free slots per profile with capacity of its own (a gateway's lanes). */
  dedicated: Map<string, number>;
}

/** One claim of a claim round. */
export interface ClaimStep {
  /** Most tasks to claim. */
  limit: number;
  /** Profiles to claim from; undefined: any. */
  profiles: string[] | undefined;
}

/**
 * `agents.slots` are shared by process profiles; a profile with capacity of its own (gateway lanes)
 * does not use them. Memory-aware: never more new process agents than free memory holds at their
 * measured peak, but one on an idle node, so a small host still makes progress.
 */
export function slotCapacity(launcher: AgentLauncher, activeProfiles: string[], slots: number): SlotCapacity {
  const dedicated = new Map<string, number>();
  if (launcher.dedicatedSlots)
    for (const p of launcher.profileNames()) {
      const n = launcher.dedicatedSlots(p);
      if (n !== undefined) dedicated.set(p, n);
    }
  let shared = 0;
  for (const profile of activeProfiles) {
    const n = dedicated.get(profile);
    if (n === undefined) shared++;
    else dedicated.set(profile, n - 1);
  }
  for (const [p, n] of dedicated) dedicated.set(p, Math.max(0, n));
  const byMemory = Math.max(launcher.memorySlots?.() ?? Number.POSITIVE_INFINITY, shared === 0 ? 1 : 0);
  return { sharedFree: Math.max(0, Math.min(slots - shared, byMemory)), dedicated };
}

/** One claim per pool of slots, so a batch never takes more of a profile than its slots. */
export function claimPlan(cap: SlotCapacity, claimable: string[] | undefined, all: string[]): ClaimStep[] {
  if (cap.dedicated.size === 0) return [{ limit: cap.sharedFree, profiles: claimable }];
  const plan: ClaimStep[] = [];
  const shared = (claimable ?? all).filter((p) => !cap.dedicated.has(p));
  if (cap.sharedFree > 0 && shared.length > 0) plan.push({ limit: cap.sharedFree, profiles: shared });
  for (const [profile, free] of cap.dedicated) if (free > 0) plan.push({ limit: free, profiles: [profile] });
  return plan;
}
