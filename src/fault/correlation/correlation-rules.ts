import { pathSegments } from '../ancestry-path';

/** An unresolved fault on a resource of the reported fault's path. */
export interface RootCandidate {
  id: string;
  resourceId: string;
  createdAt: Date;
}

/** An unresolved fault under the reported resource, with its current root (if any). */
export interface AdoptionCandidate {
  id: string;
  resourceAncestryPath: string | null;
  rootFaultId: string | null;
  rootResourceId: string | null;
  rootStatus: string | null;
}

/** The proper ancestors of a resource in its path, root first (every segment that is not the resource itself). */
export function properAncestors(path: string | null, resourceId: string): string[] {
  return pathSegments(path).filter((segment) => segment !== resourceId);
}

/**
 * The root of a fault reported on `resourceId`: among the unresolved faults on its proper ancestors,
 * those on the nearest ancestor (the last one in the path), the oldest of them (then the smallest id).
 */
export function chooseRoot(path: string | null, resourceId: string, candidates: RootCandidate[]): RootCandidate | null {
  const ancestors = properAncestors(path, resourceId);
  let best: RootCandidate | null = null;
  let bestDepth = -1;
  for (const candidate of candidates) {
    const depth = ancestors.lastIndexOf(candidate.resourceId);
    if (depth < 0) continue;
    const older = best !== null && (candidate.createdAt.getTime() < best.createdAt.getTime() || (candidate.createdAt.getTime() === best.createdAt.getTime() && candidate.id < best.id));
    if (depth > bestDepth || (depth === bestDepth && older)) {
      best = candidate;
      bestDepth = depth;
    }
  }
  return best;
}

/**
 * Whether a fault reported on `resourceId` adopts `candidate` (an unresolved fault below it): when it
 * has no root yet, or its root sits farther up the path than `resourceId`, or on the same resource but
 * resolved (a new outage of the same device). A nearer root, or an open one on the same resource
 * (the older fault wins), keeps it.
 */
export function shouldAdopt(resourceId: string, candidate: AdoptionCandidate): boolean {
  if (candidate.rootFaultId === null || candidate.rootResourceId === null) return true;
  const segments = pathSegments(candidate.resourceAncestryPath);
  const reported = segments.indexOf(resourceId);
  const current = segments.indexOf(candidate.rootResourceId);
  if (reported < 0) return false;
  if (current < 0 || current < reported) return true;
  return current === reported && candidate.rootStatus === 'resolved';
}
